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

/**
 * The proposal does not exist (in no state). A {@linkcode ProposalConflictError} for callers
 * that catch that one; the HTTP API answers 404. Raised by the decision itself, under the
 * store's lock, so that a read outside the lock never answers for a tree that a remote sync is
 * rewriting (a rebase removes and replays local proposal files).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalConflictError, UnknownProposalError } from "./proposal_conflict_error.ts";
 * const error = new UnknownProposalError("p-1", "approve");
 * assert.ok(error instanceof ProposalConflictError);
 * assert.match(error.message, /Cannot approve proposal "p-1": no such proposal/);
 * ```
 */
export class UnknownProposalError extends ProposalConflictError {
  /** Error name, for logs and `instanceof`-free checks. */
  override name = "UnknownProposalError";

  /** Name the proposal and what was tried on it (`verb`: "approve", "reject"). */
  constructor(id: string, verb: string) {
    super(`Cannot ${verb} proposal "${id}": no such proposal`);
  }
}
