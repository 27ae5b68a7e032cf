/**
 * `RemoteSyncError`: a decision the policy remote could not take, and the one sentence every
 * such refusal says.
 *
 * @module
 */

import { ProposalConflictError } from "../proposal_conflict_error.ts";

/** A decision the remote could not take (shown wherever a refusal is; the API answers 503). */
export class RemoteSyncError extends ProposalConflictError {
  /** Error name. */
  override name = "RemoteSyncError";
}

/**
 * The refusal of decision `what` on proposal `id` because of `why`.
 *
 * @example
 * ```ts
 * import { refused } from "./remote_sync_error.ts";
 * console.assert(refused("approve", "p-1", "the remote is down").message.includes("p-1"));
 * ```
 */
export function refused(what: string, id: string, why: string): RemoteSyncError {
  return new RemoteSyncError(
    `Cannot ${what} proposal "${id}": ${why}; nothing changed and proxies keep enforcing the ` +
      "current policy",
  );
}
