/**
 * The auto-approved proposals a person revoked, read from Git: a revocation (`leases revoke`) is
 * a commit with `Removed-By: revoked` whose diff removes the rule's lease comment, which names
 * the proposal (`proposal=p-…`). Before, the agent's next submit of a revoked rule was
 * auto-approved again: the automation undid the person's decision in one request.
 *
 * @module
 */

import { runGit } from "../client/mod.ts";

const REMOVED_LEASE = /^-\s*# tollgate lease [^\n]*\bproposal=(p-[0-9A-Za-z-]+)/gm;

/**
 * The ids of the proposals whose rules a person revoked in the Git history of `policiesDir`
 * (none outside Git). One `git log` run, only when a proposal would otherwise be auto-approved.
 */
export async function revokedProposalIds(policiesDir: string): Promise<string[]> {
  const r = await runGit(
    ["log", "--no-color", "--format=", "-p", "--grep=^Removed-By: revoked$", "--", "."],
    policiesDir,
    { timeoutMs: 10_000 },
  );
  if (r.code !== 0) return [];
  return [...r.stdout.matchAll(REMOVED_LEASE)].map((m) => m[1]!);
}
