/**
 * The clone's HEAD commit read from the files git keeps it in, where asking `git rev-parse`
 * would start a process: a sync and a decision each need HEAD on the path from an approval to
 * the other gateways' proxies, and starting a process is what costs on a busy host.
 *
 * @module
 */

import { join } from "node:path";
import { runGit } from "./run_git.ts";

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// A branch name never holds "..", so a HEAD naming one cannot lead outside the refs directory.
const BRANCH = /^ref: (refs\/heads\/(?!.*\.\.)\S+)$/;

/** Where a clone keeps HEAD (its git directory) and its branches (the common directory). */
export interface HeadFiles {
  /** The work tree's root, for git when the files do not answer. */
  root: string;
  /** The git directory (`git rev-parse --git-dir`), which holds `HEAD`. */
  gitDir: string;
  /** The common directory (`git rev-parse --git-common-dir`), which holds `refs/`. */
  commonDir: string;
}

/**
 * The commit HEAD points at: `HEAD` names a branch whose loose ref file holds the id (git
 * writes a branch's ref file on every commit, reset or rebase, by renaming a lock file, so a
 * read sees the old id or the new one), or holds the id itself when detached. A packed branch,
 * another ref storage or anything unexpected is asked of git; undefined when there is no commit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHeadCommit } from "./head_commit_files.ts";
 * const root = await Deno.makeTempDir();
 * const git = (...args: string[]) => new Deno.Command("git", { args, cwd: root }).output();
 * await git("init", "-q", "-b", "main");
 * const where = { root, gitDir: `${root}/.git`, commonDir: `${root}/.git` };
 * assert.equal(await readHeadCommit(where), undefined); // no commit yet
 * await git("-c", "user.name=s", "-c", "user.email=s@s", "commit", "-q", "--allow-empty", "-m", "x");
 * const id = new TextDecoder().decode((await git("rev-parse", "HEAD")).stdout).trim();
 * assert.equal(await readHeadCommit(where), id); // from .git/refs/heads/main
 * await git("pack-refs", "--all"); // no loose file left: git answers
 * assert.equal(await readHeadCommit(where), id);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readHeadCommit(where: HeadFiles): Promise<string | undefined> {
  const read = (path: string) => Deno.readTextFile(path).then((t) => t.trim(), () => "");
  const head = await read(join(where.gitDir, "HEAD"));
  const branch = BRANCH.exec(head)?.[1];
  const id = branch === undefined ? head : await read(join(where.commonDir, branch));
  if (OBJECT_ID.test(id)) return id;
  const r = await runGit(["rev-parse", "-q", "--verify", "HEAD^{commit}"], where.root);
  return r.code === 0 ? r.stdout.trim() : undefined;
}
