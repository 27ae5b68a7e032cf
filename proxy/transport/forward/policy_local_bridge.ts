/**
 * Serve `http://policy.local/...` requests from the injected policy.local app, before any
 * policy check: the agent must always be able to read its policy and submit proposals.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { canonicalizePath } from "../../policy/mod.ts";
import { type ClientConnection, reasonPhrase, sendError } from "../connection/mod.ts";
import type { AbsoluteTarget, RequestHead } from "../../wire/mod.ts";
import { values } from "../../wire/mod.ts";
import { bodyNotAllowed } from "../request/mod.ts";
import { readPolicyLocalBody } from "./_policy_local_body.ts";

const POLICY_LOCAL_HOSTS = new Set(["policy.local", "policy.local:80"]);
const SKIPPED_REQUEST_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "transfer-encoding",
  "content-length",
  "expect",
  "upgrade",
  "te",
]);
const SKIPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
]);

/**
 * Answer one policy.local request.
 *
 * @returns True when the client connection may carry another request.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { servePolicyLocal } from "./policy_local_bridge.ts";
 * import { readRequest } from "../connection/mod.ts";
 * import { parseAbsoluteTarget } from "../../wire/mod.ts";
 *
 * const policyLocal = (request: Request) =>
 *   Promise.resolve(Response.json({ path: new URL(request.url).pathname }));
 * await using pair = await clientPair("version: 1\n", { policyLocal });
 * await pair.send("GET http://policy.local/v1/skill HTTP/1.1\r\nHost: policy.local\r\n\r\n");
 * const head = (await readRequest(pair.client, true))!;
 * const target = parseAbsoluteTarget(head.target);
 * assert.ok(typeof target !== "string");
 * assert.equal(await servePolicyLocal(pair.client, head, target), true); // kept alive
 * assert.match(await pair.received(), /^HTTP\/1.1 200 [^]*{"path":"\/v1\/skill"}$/);
 * ```
 */
export async function servePolicyLocal(
  client: ClientConnection,
  head: RequestHead,
  target: AbsoluteTarget,
): Promise<boolean> {
  const { stream, ctx } = client;
  // Served before any policy: a GET's body is refused here as an origin's would be.
  const bodyless = bodyNotAllowed(head);
  if (bodyless !== undefined) {
    await sendError(stream, 400, "bad_request", bodyless);
    return false;
  }
  if (target.scheme !== "http" || target.port !== 80) {
    const detail =
      "policy.local is served over plain HTTP on port 80 only: use http://policy.local/";
    await sendError(stream, 400, "invalid_policy_local_scheme", detail);
    return false;
  }
  if (values(head.headers, "host").some((host) => !POLICY_LOCAL_HOSTS.has(host.toLowerCase()))) {
    // A name that resolves here by a trick (a rebound page) is no way to policy.local.
    const detail = "policy.local answers only to Host policy.local: use http://policy.local/";
    await sendError(stream, 421, "misdirected_request", detail);
    return false;
  }
  const path = canonicalizePath(target.rawPath, {});
  if (!path.ok) {
    await sendError(stream, 400, "bad_request", `Invalid request path: ${path.reason}`);
    return false;
  }
  if (ctx.policyLocal === undefined) {
    await sendError(stream, 503, "policy_local_unavailable", "policy.local is not configured");
    return false;
  }
  const body = await readPolicyLocalBody(client, head);
  if (body === false) return false;
  const url = `http://policy.local${path.path}${
    target.query === undefined ? "" : `?${target.query}`
  }`;
  const response = await callApp(client, head, url, body);
  if (response === undefined) return false;
  await writeResponse(client, head, response);
  return head.keepAlive;
}

async function callApp(
  client: ClientConnection,
  head: RequestHead,
  url: string,
  body: Uint8Array,
): Promise<Response | undefined> {
  const headers = new Headers();
  for (const [name, value] of head.headers) {
    if (SKIPPED_REQUEST_HEADERS.has(name.toLowerCase())) continue;
    try {
      headers.append(name, value);
    } catch {
      // A header the Fetch API cannot represent is simply not passed on.
    }
  }
  // A long poll (`/wait`) stops as soon as the agent hangs up. The listener keeps sockets
  // half-open, so a client's FIN is an "end", not a "close": each must end the wait, or an
  // abandoned wait holds its gateway long poll (and a slot) until its timeout.
  const controller = new AbortController();
  const abort = () => controller.abort();
  client.stream.socket.once("close", abort).once("end", abort);
  if (client.stream.ended) abort();
  try {
    const hasBody = head.method !== "GET" && head.method !== "HEAD" && body.byteLength > 0;
    const request = new Request(url, {
      method: head.method,
      headers,
      body: hasBody ? body as Uint8Array<ArrayBuffer> : undefined,
      signal: controller.signal,
    });
    return await client.ctx.policyLocal!(request);
  } catch {
    await sendError(client.stream, 500, "internal_error", "policy.local failed to answer");
    return undefined;
  } finally {
    client.stream.socket.off("close", abort).off("end", abort);
  }
}

async function writeResponse(
  client: ClientConnection,
  head: RequestHead,
  response: Response,
): Promise<void> {
  const body = head.method === "HEAD"
    ? new Uint8Array(0)
    : new Uint8Array(await response.arrayBuffer());
  if (head.method === "HEAD") await response.body?.cancel();
  let text = `HTTP/1.1 ${response.status} ${
    response.statusText || reasonPhrase(response.status)
  }\r\n`;
  for (const [name, value] of response.headers) {
    if (!SKIPPED_RESPONSE_HEADERS.has(name)) text += `${name}: ${value}\r\n`;
  }
  text += `Content-Length: ${body.byteLength}\r\n`;
  if (!head.keepAlive) text += "Connection: close\r\n";
  // The head on its own: joining it to the body copied every answer once more.
  client.stream.write(Buffer.from(`${text}\r\n`, "latin1"))?.catch(() => {});
  await writeAnswer(client, body);
}

/**
 * Write an answer; what the socket could not take waits in the proxy's answer budget, and
 * the caller reads no further request until it is taken. Not taken in time, the connection
 * closes: a client that never reads must not keep it in memory (`policy_local_answers.ts`).
 */
async function writeAnswer(client: ClientConnection, bytes: Uint8Array): Promise<void> {
  const waiting = client.stream.write(bytes);
  if (waiting === undefined) return;
  const { socket } = client.stream;
  const answers = client.ctx.policyLocalAnswers;
  const release = answers.hold(socket, socket.writableLength);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(resolve, answers.timeoutMs, "late");
  });
  try {
    if (await Promise.race([waiting, late]) === "late") client.stream.destroy();
  } finally {
    clearTimeout(timer);
    release();
  }
}
