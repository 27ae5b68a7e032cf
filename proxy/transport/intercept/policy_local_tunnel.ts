/**
 * policy.local reached through `CONNECT policy.local:80`: what a sandbox's transparent capture
 * sends for a client that ignores the proxy variables (Node 20 `fetch`, a `NO_PROXY` that lists
 * `*` or `.local`), and what `curl -p` sends. The plain HTTP requests inside are served by the
 * policy.local app as if they came in absolute form. Before, the CONNECT was decided as any
 * host's and denied, with a 403 that sent the agent to policy.local, which it could not reach.
 *
 * @module
 */

import { type ClientConnection, readRequest, sendError } from "../connection/mod.ts";
import { servePolicyLocal } from "../forward/mod.ts";
import { splitPathQuery } from "../../wire/mod.ts";
import { CONNECTION_ESTABLISHED } from "../tunnel/mod.ts";
import { answerOverTls, errorAnswer, startsTls, tellInBand } from "./deny_in_band.ts";
import { POLICY_LOCAL_HOST } from "../../policy_local/mod.ts";

const SCHEME = "invalid_policy_local_scheme";
const SCHEME_DETAIL =
  "policy.local is served over plain HTTP on port 80 only: use http://policy.local/";

/** The same refusal, told wherever the client reads it. */
const WRONG_PORT = errorAnswer(400, SCHEME, SCHEME_DETAIL);

/**
 * Answer `CONNECT policy.local:<port other than 80>` (what `https://policy.local` sends): 400
 * `invalid_policy_local_scheme` naming `http://policy.local/`, inside the tunnel (over TLS with
 * a leaf from the proxy's CA when the client starts a handshake), since curl, git and Python
 * show no body of a refused CONNECT. policy.local is never an upstream, nor served over TLS
 * (OpenShell's is not either).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { refusePolicyLocalTunnel } from "./policy_local_tunnel.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * await pair.send("GET /v1/skill HTTP/1.1\r\nHost: policy.local\r\n\r\n"); // in the clear
 * await refusePolicyLocalTunnel(pair.client);
 * assert.match(await pair.received(), /^HTTP\/1.1 200 [^]*HTTP\/1.1 400 [^]*policy_local_scheme/);
 * ```
 */
export async function refusePolicyLocalTunnel(client: ClientConnection): Promise<void> {
  await tellInBand(client, "policy.local", WRONG_PORT);
}

/**
 * Answer `CONNECT policy.local:80` with 200, then serve each request inside from the
 * policy.local app until the client closes (or a request ends the connection).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { servePolicyLocalTunnel } from "./policy_local_tunnel.ts";
 *
 * const policyLocal = (request: Request) =>
 *   Promise.resolve(Response.json({ path: new URL(request.url).pathname }));
 * await using pair = await clientPair("version: 1\n", { policyLocal });
 * await pair.send("GET /v1/skill HTTP/1.1\r\nHost: policy.local\r\nConnection: close\r\n\r\n");
 * await servePolicyLocalTunnel(pair.client);
 * assert.match(await pair.received(), /^HTTP\/1.1 200 [^]*HTTP\/1.1 200 [^]*"\/v1\/skill"/);
 * ```
 */
export async function servePolicyLocalTunnel(client: ClientConnection): Promise<void> {
  const sent = client.stream.write(CONNECTION_ESTABLISHED);
  if (sent && !(await sent.then(() => true, () => false))) return;
  // `https://policy.local:80` starts a handshake here: answered in the clear, the client read
  // only "wrong version number". It gets the same JSON 400 as on another port, over TLS.
  const opening = await client.stream.read().catch(() => null);
  if (opening === null) return;
  client.stream.unread(opening);
  if (startsTls(opening)) return await refuseOverTls(client);
  for (let first = true;; first = false) {
    const head = await readRequest(client, first);
    if (head === undefined) return;
    if (!head.target.startsWith("/")) {
      const detail = "Inside a tunnel to policy.local, send origin-form requests (GET /v1/skill)";
      await sendError(client.stream, 400, "bad_request", detail);
      return;
    }
    const target = { scheme: "http" as const, host: "policy.local", port: 80 };
    const more = await servePolicyLocal(client, head, {
      ...target,
      ...splitPathQuery(head.target),
    }).finally(() => client.endExchange());
    if (!more) return;
  }
}

/** The scheme refusal over TLS with a leaf for policy.local, or closed when none can be minted. */
async function refuseOverTls(client: ClientConnection): Promise<void> {
  try {
    // Over the minting budget (shared with L4 denials), there is nothing the client can read.
    const context = client.ctx.denialContexts.contextFor(POLICY_LOCAL_HOST);
    if (context !== undefined) return await answerOverTls(client, await context, WRONG_PORT);
  } catch {
    // No leaf: the connection closes below.
  }
  client.stream.destroy();
}
