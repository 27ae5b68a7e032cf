/**
 * The `policy.updated` event: what a subscriber receives when a published policy changes,
 * with the text inline unless it is too large.
 *
 * @module
 */

import type { GatewayEvent } from "./event_hub.ts";
import type { PublishedPolicy } from "../client/mod.ts";
import { createHash } from "node:crypto";
import { DELTA_MIN_CHARS, type PolicyDelta, policyDelta } from "../../proxy/policy/mod.ts";
import { textPatch } from "../client/mod.ts";

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
 * `policy_json` is the change from it (`PolicyDelta`) and the text is sent as a change too
 * (`text_patch`, a `TextPatch`): an approval into 10,000 rules pushes one rule and its lines,
 * which a proxy applies to the text and the policy it holds (or, holding another, fetches the
 * text and loads it).
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
  if (!small) return { type: "policy.updated", data: { name, revision, hash } };
  if (!policy) return { type: "policy.updated", data: { name, revision, hash, text } };
  const delta = text.length >= DELTA_MIN_CHARS && previous?.policy &&
    (addedDelta(snapshot, previous) ?? policyDelta(previous.policy, previous.hash, policy, hash));
  if (!delta) {
    return {
      type: "policy.updated",
      data: { name, revision, hash, text, policy_json: JSON.stringify(policy) },
    };
  }
  // A change of a large policy: its text as a change too, from the text the change is from.
  const sha256 = createHash("sha256").update(text).digest("hex");
  const text_patch = textPatch(previous!.text, text, sha256);
  return {
    type: "policy.updated",
    data: { name, revision, hash, text_patch, policy_json: JSON.stringify(delta) },
  };
}

/**
 * The change an approval made, from what it proved (`added`: the policy `previous` plus one rule,
 * its revision aside) instead of comparing all the rules again (`policyDelta`, 17-27 ms at 10,000
 * rules); only the keys' order is checked here, as the push appends the rule after the others.
 */
function addedDelta(
  { added, policy, hash }: PublishedPolicy,
  previous: PublishedPolicy,
): PolicyDelta | undefined {
  if (!added || !policy || !previous.policy || added.from !== previous.hash) return undefined;
  const older = Object.keys(previous.policy.network_policies);
  const newer = Object.keys(policy.network_policies);
  if (newer.length !== older.length + 1 || newer[older.length] !== added.key) return undefined;
  for (let i = 0; i < older.length; i++) if (older[i] !== newer[i]) return undefined;
  const { network_policies: rules, ...head } = policy;
  const set = { [added.key]: rules[added.key]! };
  return { delta_from: previous.hash, hash, head, set, removed: [] };
}
