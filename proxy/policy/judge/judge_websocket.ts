/**
 * The WebSocket part of an L7 decision (OpenShell's `protocol: websocket`): which allowed
 * upgrades have their client text messages judged, and the refusal of an HTTP request that
 * names the synthetic `WEBSOCKET_TEXT` method.
 *
 * @module
 */

import type { Grant } from "../model/mod.ts";
import type { Decision } from "../model/mod.ts";
import type { RequestFacts } from "../model/mod.ts";
import { denyL7 } from "./_verdicts.ts";

/** The synthetic method a WebSocket client text message is decided as. */
export const WEBSOCKET_TEXT = "WEBSOCKET_TEXT";

/**
 * The denial of an HTTP request whose method is `WEBSOCKET_TEXT` (a valid method token a
 * client may send): a rule written for messages must not let such a request reach the origin.
 * Undefined for any other question.
 */
export function httpWebsocketText(facts: RequestFacts, grants: Grant[]): Decision | undefined {
  if (facts.websocketMessage || facts.method?.toUpperCase() !== WEBSOCKET_TEXT) return undefined;
  const reason = `${WEBSOCKET_TEXT} is not an HTTP method: it names WebSocket text messages`;
  return denyL7(facts, grants, reason);
}

/**
 * Mark an allowed decision whose path a `protocol: websocket` endpoint judges: after the
 * upgrade, its client text messages are each decided. Other decisions pass unchanged.
 */
export function markWebsocket(d: Decision, grants: Grant[]): Decision {
  if (d.verdict === "allow" && grants.some((g) => g.endpoint.protocol === "websocket")) {
    d.websocket = true;
  }
  return d;
}
