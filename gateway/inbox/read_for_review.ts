/**
 * A proposal as a reviewer reads it before deciding (the inbox's page, the API's `/review`):
 * the record with its findings, and for a pending one its state against the policy now, whose
 * hash an approval names so that it is refused once the policy is another.
 *
 * @module
 */

import type { ProposalStatus } from "../../proxy/policy_local/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import type { ProposalStore } from "../store/mod.ts";

/** What {@linkcode readForReview} reads. */
export interface ReviewRead {
  /** The proposal, its findings read no earlier than `state`. */
  record: ProposalRecord;
  /** Pending only: its state against the policy now (`currentPolicyHash`, the candidate). */
  state?: ProposalStatus;
}

/**
 * Read proposal `id` for review: the pending state (and so the policy's hash) first, then the
 * record whose findings are shown. A policy that changes in between leaves the hash older than
 * the findings, so the approval that names it is refused, never the reverse.
 *
 * @returns undefined for an unknown or malformed id
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { readForReview } from "./read_for_review.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const read = await readForReview(store, submitted.proposal.id);
 * assert.match(read?.state?.currentPolicyHash ?? "", /^[0-9a-f]{64}$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readForReview(
  store: ProposalStore,
  id: string,
): Promise<ReviewRead | undefined> {
  const seen = await store.get(id);
  if (!seen || seen.state !== "pending") return seen && { record: seen };
  const state = await store.statusOf(seen);
  const record = (await store.get(id)) ?? seen;
  // Decided in between: its page shows the decision, with nothing to approve.
  return record.state === "pending" ? { record, state } : { record };
}
