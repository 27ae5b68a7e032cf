/**
 * The one error callers of the proposal operations catch: the proposal cannot be decided as
 * asked (unknown, no longer pending, or stale since review). HTTP 409; CLI exit 1.
 *
 * @module
 */

/**
 * A proposal cannot be decided as asked (not pending, or stale since review).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalConflictError, ProposalStore } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const store = new ProposalStore({ policiesDir: dir });
 * await assert.rejects(store.approve("p-20260101T000000-abcdef", { approvedBy: "alice" }), ProposalConflictError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ProposalConflictError extends Error {
  /** Error name, for logs and `instanceof`-free checks. */
  override name = "ProposalConflictError";
}
