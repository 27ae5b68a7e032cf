/**
 * `RemoteSyncError`: a decision the policy remote could not take, and the one sentence every
 * such refusal says.
 *
 * @module
 */

import { ProposalConflictError } from "../proposals/mod.ts";

/** A decision the remote could not take (shown wherever a refusal is; the API answers 503). */
export class RemoteSyncError extends ProposalConflictError {
  /** Error name. */
  override name = "RemoteSyncError";
}

/**
 * The refusal of `change` (`approve proposal "p-1"`) because of `why`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refused } from "./remote_sync_error.ts";
 * const error = refused('approve proposal "p-1"', "the remote is down");
 * assert(error.message.startsWith('Cannot approve proposal "p-1": the remote is down;'));
 * ```
 */
export function refused(change: string, why: string): RemoteSyncError {
  return new RemoteSyncError(
    `Cannot ${change}: ${why}; nothing changed and proxies keep enforcing the current policy`,
  );
}
