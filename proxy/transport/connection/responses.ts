/**
 * Writing the proxy's own responses: JSON errors, the structured 403 and interim lines.
 *
 * @module
 */

import type { Decision } from "../../policy/mod.ts";
import {
  policyLocalUrl,
  renderDenyDenoWarning,
  renderDenyResponse,
  renderDenyText,
  type RenderedResponse,
  renderErrorResponse,
  ROUTE_DENIALS,
  ROUTE_SKILL,
} from "../../policy_local/mod.ts";
import { BODY_BUDGET_RETRY_AFTER_S } from "../../wire/mod.ts";
import type { ByteStream } from "../../wire/mod.ts";

/** The detail of the 408 answering a request body that stopped arriving. */
export const BODY_TIMEOUT_DETAIL = "Request body was not received in time";

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  413: "Content Too Large",
  421: "Misdirected Request",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/**
 * The standard reason phrase of a status code ("Unknown" when not listed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reasonPhrase } from "./responses.ts";
 * assert.equal(reasonPhrase(431), "Request Header Fields Too Large");
 * ```
 */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Unknown";
}

/**
 * Serialise a rendered response with its Content-Length (and the standard reason phrase,
 * unless `reason` is given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeResponse } from "./responses.ts";
 * const bytes = serializeResponse({ status: 400, headers: {}, body: "{}" });
 * assert(new TextDecoder().decode(bytes).startsWith("HTTP/1.1 400 Bad Request\r\n"));
 * ```
 */
export function serializeResponse(response: RenderedResponse, reason?: string): Uint8Array {
  const body = encoder.encode(response.body);
  let head = `HTTP/1.1 ${response.status} ${reason ?? reasonPhrase(response.status)}\r\n`;
  for (const [name, value] of Object.entries(response.headers)) head += `${name}: ${value}\r\n`;
  head += `Content-Length: ${body.byteLength}\r\n\r\n`;
  // One buffer, head as latin1 (a byte per char), then the body: node's Buffer.from and
  // Buffer.concat took half of the time of rendering a whole deny response.
  const bytes = new Uint8Array(head.length + body.byteLength);
  for (let i = 0; i < head.length; i++) bytes[i] = head.charCodeAt(i);
  bytes.set(body, head.length);
  return bytes;
}

const encoder = new TextEncoder();

/**
 * Send `{error, detail}` with `Connection: close`; the caller closes the connection after.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Duplex } from "node:stream";
 * import { ByteStream } from "../../wire/mod.ts";
 * import { sendError } from "./responses.ts";
 *
 * let text = "";
 * const socket = new Duplex({ read() {}, write: (chunk, _, done) => done(void (text += chunk)) });
 * await sendError(new ByteStream(socket), 400, "bad_request", "Malformed request line");
 * assert(text.startsWith("HTTP/1.1 400 "));
 * assert(text.endsWith('{"error":"bad_request","detail":"Malformed request line"}'));
 * ```
 */
export async function sendError(
  stream: ByteStream,
  status: number,
  code: string,
  detail: string,
): Promise<void> {
  await stream.write(serializeResponse(errorResponse(status, code, detail)))?.catch(() => {});
}

/** The error code of the 503 answering a body the body budget had no room for. */
export const TOO_MANY_BODIES = "too_many_bodies";

/**
 * `{error, detail}` as {@linkcode sendError} sends it; a refusal the client should simply
 * retry (the body budget was spent) also carries `Retry-After`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorResponse, TOO_MANY_BODIES } from "./responses.ts";
 *
 * assert.equal(errorResponse(503, TOO_MANY_BODIES, "Busy").headers["Retry-After"], "5");
 * assert.equal(errorResponse(400, "bad_request", "Bad").headers["Retry-After"], undefined);
 * ```
 */
export function errorResponse(status: number, code: string, detail: string): RenderedResponse {
  const response = renderErrorResponse(status, code, detail);
  if (code !== TOO_MANY_BODIES) return response;
  const headers = { ...response.headers, "Retry-After": String(BODY_BUDGET_RETRY_AFTER_S) };
  return { ...response, headers };
}

/** Options of {@linkcode sendDeny}. */
export interface SendDenyOptions {
  /** The denied request's `User-Agent`: git gets the body as `text/plain`, which it prints. */
  userAgent?: string;
}

/**
 * Send the structured 403 for a denied decision (`Connection: close`): JSON, or the same
 * content as text for clients that show only a `text/plain` body (git).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Duplex } from "node:stream";
 * import { ByteStream } from "../../wire/mod.ts";
 * import { sendDeny } from "./responses.ts";
 *
 * let text = "";
 * const socket = new Duplex({ read() {}, write: (chunk, _, done) => done(void (text += chunk)) });
 * const decision = {
 *   verdict: "deny" as const,
 *   layer: "l4" as const,
 *   reason: "no matching policy",
 *   host: "example.com",
 *   port: 443,
 * };
 * await sendDeny(new ByteStream(socket), decision, "/etc/tollgate/skills/policy_advisor.md");
 * assert(text.startsWith("HTTP/1.1 403 "));
 * assert(text.includes('"rule":"CONNECT example.com:443"'));
 * ```
 */
export async function sendDeny(
  stream: ByteStream,
  decision: Decision,
  skillPath: string,
  options: SendDenyOptions = {},
): Promise<void> {
  const render = showsTextOnly(options.userAgent)
    ? renderDenyText
    : /^Deno\//.test(options.userAgent ?? "")
    ? renderDenyDenoWarning
    : renderDenyResponse;
  const bytes = serializeResponse(render(decision, { skillPath }), DENY_REASON);
  await stream.write(bytes)?.catch(() => {});
}

/**
 * The reason phrase of the structured 403. Many clients print only the status line of an
 * error (pip: "403 Client Error: <reason> for url", npm: "403 <reason> - GET <url>", Python's
 * urllib: "HTTP Error 403: <reason>", wget: "ERROR 403: <reason>"), so it says where to look.
 */
export const DENY_REASON: string = `Forbidden by Tollgate policy, see ${
  policyLocalUrl(ROUTE_DENIALS)
} and ${policyLocalUrl(ROUTE_SKILL)}`;

// git (smart HTTP) prints a text/plain error body line by line as "remote: ..." and drops
// any other type; every other client seen keeps or prints the JSON.
function showsTextOnly(userAgent: string | undefined): boolean {
  return userAgent !== undefined && /^git\//i.test(userAgent);
}
