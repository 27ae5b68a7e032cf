/**
 * The pending proposal a reviewer acts on, shared by reject and refresh.
 *
 * @module
 */

import { findProposalFile, readProposalRecord } from "../proposals/mod.ts";
import { ProposalConflictError, UnknownProposalError } from "../proposals/mod.ts";
import type { ProposalRecord, StoreEnv } from "../proposals/mod.ts";

/**
 * Read pending proposal `id`, or refuse: `verb` names the action in the error.
 *
 * @throws {ProposalConflictError} when there is no such proposal or it is no longer pending
 */
export async function pendingRecord(
  env: StoreEnv,
  id: string,
  verb: string,
): Promise<ProposalRecord> {
  const found = await findProposalFile(env.policiesDir, id);
  if (!found) throw new UnknownProposalError(id, verb);
  if (found.state !== "pending") {
    throw new ProposalConflictError(
      `Cannot ${verb} proposal "${id}": it is already ${found.state}`,
    );
  }
  return await readProposalRecord(found);
}
