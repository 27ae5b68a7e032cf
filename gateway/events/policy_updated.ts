/**
 * The `policy.updated` event: what a subscriber receives when a published policy changes,
 * with the text inline unless it is too large.
 *
 * @module
 */

import type { GatewayEvent } from "./event_hub.ts";
import type { PublishedPolicy } from "../client/mod.ts";

/**
 * Largest policy text (UTF-8 bytes) sent inside a `policy.updated` event; a larger one is
 * announced without its text and subscribers fetch it.
 */
export const MAX_EVENT_TEXT_BYTES = 16 * 1024 * 1024;

/**
 * The `policy.updated` event of a snapshot: name, revision, hash and, when it is not too
 * large, the text itself, so subscribers need no round trip to apply it, and the validated
 * policy as a JSON document (`policy_json`, a string: only the proxy's reload worker parses it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyUpdated } from "./policy_updated.ts";
 * const event = policyUpdated({ name: "team", text: "version: 1\n", revision: 1, hash: "ab" });
 * assert.equal(event.data.text, "version: 1\n");
 * ```
 */
export function policyUpdated(snapshot: PublishedPolicy): GatewayEvent {
  const { name, text, revision, hash, policy } = snapshot;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short texts need no encoding to measure.
  const small = text.length * 3 <= MAX_EVENT_TEXT_BYTES ||
    new TextEncoder().encode(text).length <= MAX_EVENT_TEXT_BYTES;
  return {
    type: "policy.updated",
    data: !small
      ? { name, revision, hash }
      : policy
      ? { name, revision, hash, text, policy_json: JSON.stringify(policy) }
      : { name, revision, hash, text },
  };
}
