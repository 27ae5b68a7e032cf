/**
 * `CONNECT host:port`: the L4 decision (a structured 403 on deny, told inside the tunnel so
 * that clients show it; a plain CONNECT 403 for `tls: skip` hosts), the SSRF guard (a plain
 * CONNECT 403), then either a blind tunnel (L4 rules, `tls: skip`) or TLS interception
 * (`protocol: rest`).
 *
 * @module
 */

import { hostSkipsTls } from "../../policy/mod.ts";
import { type ClientConnection, sendDeny, sendError, ssrfDecision } from "../connection/mod.ts";
import { denyInBand } from "./deny_in_band.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { interceptTls } from "./intercept.ts";
import { parseAuthority } from "../../wire/mod.ts";
import { blindTunnel } from "../tunnel/mod.ts";
import { POLICY_LOCAL_HOST } from "../../policy_local/mod.ts";
import { refusePolicyLocalTunnel, servePolicyLocalTunnel } from "./policy_local_tunnel.ts";
import { bodyNotAllowed } from "../request/mod.ts";

/**
 * Handle a CONNECT request; resolves when the tunnel (if any) has closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { handleConnect } from "./connect.ts";
 * import { readRequest } from "../connection/mod.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * await pair.send("CONNECT api.github.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\n\r\n");
 * await pair.send("GET / HTTP/1.1\r\nHost: api.github.com\r\n\r\n"); // in the clear, for brevity
 * await handleConnect(pair.client, (await readRequest(pair.client, true))!);
 * // Denied: 200, then the structured 403 inside the tunnel.
 * assert.match(await pair.received(), /^HTTP\/1.1 200 [^]*HTTP\/1.1 403 /);
 * ```
 */
export async function handleConnect(client: ClientConnection, head: RequestHead): Promise<void> {
  const { ctx, stream } = client;
  const authority = parseAuthority(head.target);
  if (typeof authority === "string") {
    await sendError(stream, 400, "bad_request", `Invalid CONNECT target: ${authority}`);
    return;
  }
  const { host, port } = authority;
  // A CONNECT that announces a body leaves no telling where its tunnel would start.
  const bodyless = bodyNotAllowed(head);
  // Before any policy, as in plain forwarding: the sandbox's own API, never an upstream.
  if (host === POLICY_LOCAL_HOST) {
    if (bodyless !== undefined) return await sendError(stream, 400, "bad_request", bodyless);
    if (port === 80) return await servePolicyLocalTunnel(client);
    // Never decided as an upstream: its 403 would ask the agent to propose policy.local:443.
    return await refusePolicyLocalTunnel(client);
  }
  // The policy generation the grant is decided under (taken before: decide() may wait).
  const since = ctx.holder.generation;
  const l4 = await client.decide(host, port, undefined, "https");
  if (l4.verdict === "deny") {
    // A `tls: skip` host is one the proxy must never impersonate, even to say no; nor is
    // a tunnel opened whose first bytes the client announced as a body.
    if (bodyless !== undefined || hostSkipsTls(ctx.holder.current().compiled, host, port)) {
      return await sendDeny(stream, l4, ctx.skillPath);
    }
    return await denyInBand(client, l4);
  }
  if (bodyless !== undefined) return await sendError(stream, 400, "bad_request", bodyless);
  const resolved = await client.destination(host, port, l4);
  if (!resolved.ok) {
    await client.emit(ssrfDecision(l4, resolved.reason), "https");
    await sendError(stream, 403, "ssrf_denied", `Destination refused: ${resolved.reason}`);
    return;
  }
  const { address, connectPort, overridden } = resolved;
  const destination = { host, port, address, connectPort, overridden };
  if (l4.inspect) await interceptTls(client, destination, l4);
  else await blindTunnel(client, destination, since);
}
