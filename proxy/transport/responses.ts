/**
 * Writing the proxy's own responses: JSON errors, the structured 403 and interim lines.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Decision } from "../policy/mod.ts";
import {
  renderDenyResponse,
  type RenderedResponse,
  renderErrorResponse,
} from "../policy_local/mod.ts";
import type { ByteStream } from "./byte_stream.ts";

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
 * import { reasonPhrase } from "./responses.ts";
 * console.assert(reasonPhrase(431) === "Request Header Fields Too Large");
 * ```
 */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "Unknown";
}

/**
 * Serialise a rendered response with its Content-Length.
 *
 * @example
 * ```ts
 * import { serializeResponse } from "./responses.ts";
 * const bytes = serializeResponse({ status: 400, headers: {}, body: "{}" });
 * console.assert(new TextDecoder().decode(bytes).startsWith("HTTP/1.1 400 Bad Request\r\n"));
 * ```
 */
export function serializeResponse(response: RenderedResponse): Uint8Array {
  const body = Buffer.from(response.body, "utf8");
  let head = `HTTP/1.1 ${response.status} ${reasonPhrase(response.status)}\r\n`;
  for (const [name, value] of Object.entries(response.headers)) head += `${name}: ${value}\r\n`;
  head += `Content-Length: ${body.byteLength}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

/**
 * Send `{error, detail}` with `Connection: close`; the caller closes the connection after.
 *
 * @example
 * ```ts ignore
 * await sendError(stream, 400, "bad_request", "Malformed request line");
 * ```
 */
export async function sendError(
  stream: ByteStream,
  status: number,
  code: string,
  detail: string,
): Promise<void> {
  await stream.write(serializeResponse(renderErrorResponse(status, code, detail)))?.catch(
    () => {},
  );
}

/**
 * Send the structured 403 for a denied decision (`Connection: close`).
 *
 * @example
 * ```ts ignore
 * await sendDeny(stream, decision, "/etc/tollgate/skills/policy_advisor.md");
 * ```
 */
export async function sendDeny(
  stream: ByteStream,
  decision: Decision,
  skillPath: string,
): Promise<void> {
  await stream.write(serializeResponse(renderDenyResponse(decision, { skillPath })))?.catch(
    () => {},
  );
}
