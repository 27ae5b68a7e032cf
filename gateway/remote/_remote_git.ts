/**
 * The git runs of a policies clone that follows a remote: the clone itself, then the local
 * integration of what a fetch brought (fast-forward, rebase, reset, commit), on top of the
 * hardening every Tollgate git run has (`gateway/client/_git_hardening.ts`: no hooks, no drivers, no
 * prompts). Fetch and push run in a `TransportRepo` (`_transport_repo.ts`), never under the
 * clone's own config; both take `transportConfig`: an allow-list of protocols and a stall
 * limit. Credentials are never logged: every message passes through `redactUrl`.
 *
 * @module
 */

import { runGit } from "../client/mod.ts";
import { gitDriverOverrides } from "../repo/mod.ts";

/** The repository's driver overrides (`gitDriverOverrides`), when a caller read them already. */
export type Drivers = Promise<Record<string, string>>;

/** A remote git run that failed; its message is one line with credentials removed. */
export class RemoteGitError extends Error {
  /** Error name. */
  override name = "RemoteGitError";
}

/** Private ref where the remote branch is fetched (no `refs/remotes/*` config involved). */
export function remoteRef(branch: string): string {
  return `refs/tollgate/remote/${branch}`;
}

/**
 * A text with the user-info part of every URL in it replaced by `***` (a token in
 * `https://user:token@host/` never reaches a log or an error answer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactUrl } from "./_remote_git.ts";
 * assert.equal(redactUrl("https://me:s3cret@git.example/p.git"), "https://***@git.example/p.git");
 * ```
 */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}

const PROTOCOLS = ["file", "git", "http", "https", "ssh"];

/**
 * `-c` settings of every remote run: an allow-list of protocols (no `ext::`, whatever a
 * global `insteadOf` rewrites the URL to), no submodules, and a stalled transfer fails.
 */
export function transportConfig(timeoutMs: number): string[] {
  return [
    "protocol.allow=never",
    "protocol.ext.allow=never",
    ...PROTOCOLS.map((p) => `protocol.${p}.allow=always`),
    "fetch.recurseSubmodules=false",
    "push.recurseSubmodules=no",
    // Nothing received for this long fails the transfer before the run's own deadline.
    "http.lowSpeedLimit=1",
    `http.lowSpeedTime=${Math.max(1, Math.floor(timeoutMs / 1000))}`,
  ];
}

/** A git run's failure as one line: its last stderr line, credentials removed. */
export function failure(what: string, stderr: string): RemoteGitError {
  const line = redactUrl(stderr.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? "");
  return new RemoteGitError(`${what} failed${line ? `: ${line}` : ""}`);
}

/**
 * Clone `url`'s `branch` into the (missing or empty) directory `dir`, killed after
 * `timeoutMs` (a clone reads no repository config: there is none yet).
 *
 * @throws {RemoteGitError} when git fails
 */
export async function gitClone(
  dir: string,
  url: string,
  options: { branch: string; timeoutMs: number },
): Promise<void> {
  const parent = dir.replace(/\/[^/]*\/?$/, "") || "/";
  const config = transportConfig(options.timeoutMs).flatMap((c) => ["-c", c]);
  const args = [...config, "clone", "--quiet", "--no-tags", "--branch", options.branch];
  const r = await runGit([...args, "--", url, dir], parent, { timeoutMs: options.timeoutMs });
  const what = `git clone of ${redactUrl(url)}`;
  if (r.timedOut) {
    throw new RemoteGitError(`${what} failed: not done within ${options.timeoutMs / 1000} s`);
  }
  if (r.code !== 0 && /Remote branch .* not found/.test(r.stderr)) {
    // git's own line names no way out; `tollgate init` repositories once started on master.
    const hint = "pass --branch with one of its branches";
    throw new RemoteGitError(`${what} failed: it has no branch "${options.branch}"; ${hint}`);
  }
  if (r.code !== 0) throw failure(what, r.stderr);
}

/** A revision's commit id, or undefined when it does not exist. */
export async function revParse(root: string, rev: string): Promise<string | undefined> {
  const r = await runGit(["rev-parse", "-q", "--verify", `${rev}^{commit}`], root);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** True when commit `a` is an ancestor of (or equal to) commit `b`. */
export async function isAncestor(root: string, a: string, b: string): Promise<boolean> {
  return (await runGit(["merge-base", "--is-ancestor", a, b], root)).code === 0;
}

/**
 * Move the branch, index and work tree to `rev`, keeping uncommitted changes to files that do
 * not differ between HEAD and `rev` (`git reset --keep`: it refuses rather than lose them).
 *
 * @throws {RemoteGitError} when git fails
 */
export async function gitResetKeep(root: string, rev: string, drivers?: Drivers): Promise<void> {
  const env = await (drivers ?? gitDriverOverrides(root));
  const r = await runGit(["reset", "--quiet", "--keep", rev], root, { env });
  if (r.code !== 0) throw failure("git reset", r.stderr);
}

/** Replay local commits onto `onto`; false (and the rebase aborted) when they conflict. */
export async function gitRebase(root: string, onto: string, drivers?: Drivers): Promise<boolean> {
  // Replayed commits need a committer; a repository without an identity gets Tollgate's.
  const [named, overrides] = await Promise.all([
    runGit(["config", "user.name"], root).then((r) => r.code === 0),
    drivers ?? gitDriverOverrides(root),
  ]);
  const env: Record<string, string> = named
    ? { ...overrides }
    : { ...overrides, GIT_COMMITTER_NAME: "Tollgate", GIT_COMMITTER_EMAIL: "tollgate@localhost" };
  const noRenames = ["-c", "merge.directoryRenames=false", "-c", "merge.renames=false"];
  const r = await runGit([...noRenames, "rebase", "--quiet", "--no-autostash", onto], root, {
    env,
  });
  if (r.code === 0) return true;

  await runGit(["rebase", "--abort"], root, { env });
  return false;
}

/** Subjects of the commits in `from..to`, oldest first. */
export async function subjects(root: string, from: string, to: string): Promise<string[]> {
  const r = await runGit(["log", "--reverse", "--format=%s", `${from}..${to}`], root);
  return r.stdout.split("\n").filter((l) => l !== "");
}

/**
 * True when something matching `pathspecs` differs from HEAD (modified, deleted, staged or
 * untracked and not ignored): what `gitCommitPaths` would commit. One git run, where staging
 * everything and asking the index would take two, for the usual answer "nothing".
 *
 * @throws {RemoteGitError} when git fails
 */
export async function gitDirty(
  root: string,
  pathspecs: string[],
  drivers?: Drivers,
): Promise<boolean> {
  const args = ["status", "--porcelain", "-z", "--untracked-files=all", "--ignore-submodules=all"];
  const env = await (drivers ?? gitDriverOverrides(root));
  const r = await runGit([...args, "--", ...pathspecs], root, { env });
  if (r.code !== 0) throw failure("git status", r.stderr);
  return r.stdout !== "";
}

/**
 * Commit every change matching `pathspecs` (added, modified, deleted) as one commit, if there
 * is any; true when a commit was made.
 *
 * @throws {RemoteGitError} when git fails
 */
export async function gitCommitPaths(
  root: string,
  pathspecs: string[],
  subject: string,
  drivers?: Drivers,
): Promise<boolean> {
  const env = await (drivers ?? gitDriverOverrides(root));
  const add = await runGit(["add", "-A", "--", ...pathspecs], root, { env });
  if (add.code !== 0 && !/did not match any files/.test(add.stderr)) {
    throw failure("git add", add.stderr);
  }
  // Commit straight away (a decision always has changes): only a failed commit asks the index
  // whether there was nothing to commit, which saves a git run on every decision.
  let r = await runGit(["commit", "--no-verify", "--quiet", "-m", subject], root, { env });
  if (r.code !== 0 && /tell me who you are|auto-detect|empty ident/i.test(r.stderr)) {
    const id = ["-c", "user.name=Tollgate", "-c", "user.email=tollgate@localhost"];
    r = await runGit([...id, "commit", "--no-verify", "--quiet", "-m", subject], root, { env });
  }
  if (r.code === 0) return true;
  const staged = await runGit(["diff", "--cached", "--quiet"], root, { env });
  if (staged.code === 0) return false;
  throw failure("git commit", r.stderr);
}
