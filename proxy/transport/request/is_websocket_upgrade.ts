/**
 * Whether a request head opens a WebSocket: what the proxy splices after the origin's 101
 * (`upgrade.ts`), and what an endpoint that judges bodies refuses (`graphql_body.ts`): one
 * reading, so that the proxy never splices a handshake the refusal did not see.
 *
 * @module
 */

import { type RequestHead, values } from "../../wire/mod.ts";

/**
 * True for a WebSocket opening handshake (RFC 6455 §4.1): a bodiless GET whose Connection
 * names `upgrade` and whose Upgrade is `websocket`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "../../wire/mod.ts";
 * import { isWebSocketUpgrade } from "./is_websocket_upgrade.ts";
 * const text = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
 * const parsed = parseRequestHead(new TextEncoder().encode(text));
 * assert(parsed.ok && isWebSocketUpgrade(parsed.head));
 * ```
 */
export function isWebSocketUpgrade(head: RequestHead): boolean {
  if (head.method !== "GET" || head.version !== "HTTP/1.1" || head.framing.kind !== "none") {
    return false;
  }
  if (!head.connectionTokens.has("upgrade")) return false;
  const upgrade = values(head.headers, "upgrade");
  return upgrade.length === 1 && upgrade[0]!.trim().toLowerCase() === "websocket";
}
