/**
 * The one error callers of the proposal operations catch: the proposal cannot be decided as
 * asked (unknown, no longer pending, or stale since review). HTTP 409; CLI exit 1.
 *
 * @module
 */

/** A proposal cannot be decided as asked (not pending, or stale since review). */
export class ProposalConflictError extends Error {
  /** Error name, for logs and `instanceof`-free checks. */
  override name = "ProposalConflictError";
}
