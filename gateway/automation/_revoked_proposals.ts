/**
 * The auto-approved proposals a person revoked, read from Git: a revocation (`leases revoke`) is
 * a commit with `Removed-By: revoked` whose diff removes the rule's lease comment, which names
 * the proposal (`proposal=p-…`). Before, the agent's next submit of a revoked rule was
 * auto-approved again: the automation undid the person's decision in one request.
 *
 * @module
 */

import { type HeadFiles, readHeadCommit, runGit } from "../client/mod.ts";

const REMOVED_LEASE = /^-\s*# tollgate lease [^\n]*\bproposal=(p-[0-9A-Za-z-]+)/gm;

/**
 * The revoked proposal ids of one policies directory, read again only when HEAD moved: the
 * history below a commit never changes, and a `git log -p` over it per would-be auto-approval
 * was a process walking the whole history for every fitting submit a hostile agent sent.
 */
export class RevokedProposals {
  #where?: HeadFiles;
  #read?: { head: string; ids: string[] };

  /**
   * The ids of the proposals whose rules a person revoked in the Git history of `policiesDir`
   * (none outside Git, none before the first commit), or undefined when the history could not
   * be read: then nobody can say a rule was not revoked, and a person decides. HEAD is read
   * from git's files; `git log` runs when it moved.
   */
  async ids(policiesDir: string): Promise<string[] | undefined> {
    const where = this.#where ??= await gitFiles(policiesDir);
    if (!where) return [];
    const head = await readHeadCommit(where);
    if (head === undefined) return [];
    if (this.#read?.head === head) return this.#read.ids;
    const ids = await revokedProposalIds(policiesDir, head);
    if (ids) this.#read = { head, ids };
    return ids;
  }
}

/** Where the repository holding `dir` keeps HEAD, or undefined outside Git (asked again later). */
async function gitFiles(dir: string): Promise<HeadFiles | undefined> {
  const args = ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir"];
  const r = await runGit([...args, "--git-common-dir"], dir);
  const [root, gitDir, commonDir] = r.stdout.split("\n");
  if (r.code !== 0 || !root || !gitDir || !commonDir) return undefined;
  return { root, gitDir, commonDir };
}

/** The revoked ids in the history of commit `head`, or undefined when git failed. */
async function revokedProposalIds(dir: string, head: string): Promise<string[] | undefined> {
  const r = await runGit(
    ["log", "--no-color", "--format=", "-p", "--grep=^Removed-By: revoked$", head, "--", "."],
    dir,
    { timeoutMs: 10_000 },
  );
  if (r.code !== 0) return undefined;
  return [...r.stdout.matchAll(REMOVED_LEASE)].map((m) => m[1]!);
}
