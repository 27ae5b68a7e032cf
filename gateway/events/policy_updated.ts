/**
 * The `policy.updated` event: what a subscriber receives when a published policy changes,
 * with the text inline unless it is too large.
 *
 * @module
 */

import type { GatewayEvent } from "./event_hub.ts";
import type { PublishedPolicy } from "../client/mod.ts";
import { DELTA_MIN_CHARS, policyDelta } from "../../proxy/policy/mod.ts";

/**
 * Largest policy text (UTF-8 bytes) sent inside a `policy.updated` event; a larger one is
 * announced without its text and subscribers fetch it.
 */
export const MAX_EVENT_TEXT_BYTES = 16 * 1024 * 1024;

/**
 * The `policy.updated` event of a snapshot: name, revision, hash and, when it is not too
 * large, the text itself, so subscribers need no round trip to apply it, and the validated
 * policy as a JSON document (`policy_json`, a string: only the proxy's reload worker parses it).
 * For a large text whose `previous` snapshot (the one subscribers hold) has its policy at hand,
 * `policy_json` is the change from it (`PolicyDelta`): an approval into 10,000 rules pushes one
 * rule, which a proxy's worker applies to the policy it holds (or, holding another, loads the
 * text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyUpdated } from "./policy_updated.ts";
 * const event = policyUpdated({ name: "team", text: "version: 1\n", revision: 1, hash: "ab" });
 * assert.equal(event.data.text, "version: 1\n");
 * ```
 */
export function policyUpdated(
  snapshot: PublishedPolicy,
  previous?: PublishedPolicy,
): GatewayEvent {
  const { name, text, revision, hash, policy } = snapshot;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short texts need no encoding to measure.
  const small = text.length * 3 <= MAX_EVENT_TEXT_BYTES ||
    new TextEncoder().encode(text).length <= MAX_EVENT_TEXT_BYTES;
  return {
    type: "policy.updated",
    data: !small
      ? { name, revision, hash }
      : policy
      ? { name, revision, hash, text, policy_json: pushedJson(snapshot, previous) }
      : { name, revision, hash, text },
  };
}

function pushedJson(snapshot: PublishedPolicy, previous: PublishedPolicy | undefined): string {
  const { text, hash, policy } = snapshot;
  const delta = text.length >= DELTA_MIN_CHARS && previous?.policy &&
    policyDelta(previous.policy, previous.hash, policy!, hash);
  return JSON.stringify(delta || policy);
}
