/**
 * The git runs that talk to the policy remote (clone, fetch, push) and integrate what came
 * back (fast-forward, rebase, reset), on top of the hardening every Tollgate git run has
 * (`_git_hardening.ts`: no hooks, no drivers, no prompts). A remote run also fixes the
 * programs git could start for the transport: an allow-list of protocols (no `ext::`, whatever
 * an `insteadOf` rewrites the URL to), the URL given on the command line (never a
 * `remote.<name>.*` of the repository's config, whose `uploadpack`/`receivepack` name
 * programs), `core.sshCommand` and credential helpers taken from the user's global config or
 * the environment Git already uses (`GIT_SSH_COMMAND`, a global `credential.helper`), never
 * from the repository's own config. Credentials are never logged: every message passes
 * through `redactUrl`.
 *
 * @module
 */

import { runGit } from "../git_repo.ts";

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
 * import { redactUrl } from "./_remote_git.ts";
 * console.assert(redactUrl("https://me:s3cret@git.example/p.git") === "https://***@git.example/p.git");
 * ```
 */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}

const PROTOCOLS = ["file", "git", "http", "https", "ssh"];

/** `-c` settings of a remote run: transport programs from the user's level only. */
async function transportConfig(root: string): Promise<string[]> {
  const global = async (key: string) =>
    (await runGit(["config", "--global", "--get-all", key], root)).stdout.split("\n")
      .filter((l) => l !== "");
  const ssh = (await global("core.sshCommand"))[0] ?? "ssh";
  const helpers = await global("credential.helper");
  // Repository-level keys that a generic `-c` cannot outrank: a URL-scoped helper, and a
  // protocol's own allow (which beats protocol.allow), e.g. a planted protocol.ext.allow.
  const pattern = "^(credential\\..+\\.helper|protocol\\..+\\.allow)$";
  const local = await runGit([
    "config",
    "--local",
    "--null",
    "--name-only",
    "--get-regexp",
    pattern,
  ], root);
  const keys = local.code === 0 ? local.stdout.split("\0").filter((k) => k !== "") : [];
  const scoped = keys.map((k) => k.startsWith("credential.") ? `${k}=` : `${k}=never`);
  return [
    "protocol.allow=never",
    "protocol.ext.allow=never",
    ...scoped,
    ...PROTOCOLS.map((p) => `protocol.${p}.allow=always`),
    `core.sshCommand=${ssh}`,
    "core.gitProxy=",
    // An empty value empties the helper list; the user's own helpers come back after it.
    "credential.helper=",
    ...helpers.map((h) => `credential.helper=${h}`),
    "fetch.recurseSubmodules=false",
    "push.recurseSubmodules=no",
    // A remote that stops answering fails the run instead of holding an approval forever.
    "http.lowSpeedLimit=1",
    "http.lowSpeedTime=10",
  ];
}

/** Run git against the remote; returns the result (never throws for a non-zero exit). */
async function runRemote(root: string, args: string[]) {
  const config = (await transportConfig(root)).flatMap((c) => ["-c", c]);
  return await runGit([...config, ...args], root);
}

function failure(what: string, stderr: string): RemoteGitError {
  const line = redactUrl(stderr.trim().split("\n").filter((l) => l.trim() !== "").pop() ?? "");
  return new RemoteGitError(`${what} failed${line ? `: ${line}` : ""}`);
}

/**
 * Clone `url`'s `branch` into the (missing or empty) directory `dir`.
 *
 * @throws {RemoteGitError} when git fails
 */
export async function gitClone(dir: string, url: string, branch: string): Promise<void> {
  const parent = dir.replace(/\/[^/]*\/?$/, "") || "/";
  const args = ["clone", "--quiet", "--no-tags", "--branch", branch, "--", url, dir];
  const r = await runRemote(parent, args);
  if (r.code !== 0) throw failure(`git clone of ${redactUrl(url)}`, r.stderr);
}

/**
 * Fetch `url`'s `branch` into `remoteRef(branch)`; returns the fetched commit.
 *
 * @throws {RemoteGitError} when the remote cannot be reached or has no such branch
 */
export async function gitFetch(root: string, url: string, branch: string): Promise<string> {
  const spec = `+refs/heads/${branch}:${remoteRef(branch)}`;
  const args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", url, spec];
  const r = await runRemote(root, args);
  if (r.code !== 0) throw failure(`git fetch from ${redactUrl(url)}`, r.stderr);
  return await revParse(root, remoteRef(branch)) ?? "";
}

/**
 * Push HEAD to `url`'s `branch` as a fast-forward only (Git's compare-and-swap): `rejected`
 * when the branch moved since the fetch (another gateway won the race).
 *
 * @throws {RemoteGitError} when the remote cannot be reached or refused for another reason
 */
export async function gitPush(
  root: string,
  url: string,
  branch: string,
): Promise<"ok" | "rejected"> {
  const ref = `HEAD:refs/heads/${branch}`;
  const r = await runRemote(root, ["push", "--porcelain", "--no-verify", "--", url, ref]);
  if (r.code === 0) return "ok";
  // Not fast-forward, or the remote's ref moved under its own lock while this push ran.
  const lost = /^!\t.*(\[rejected\]|cannot lock ref|incorrect old value|failed to update ref)/m;
  if (lost.test(r.stdout)) return "rejected";
  // The ref's own line says why (e.g. "[remote rejected] (pre-receive hook declined)").
  const why = /^!\t[^\t]*\t(.+)$/m.exec(r.stdout)?.[1];
  if (why) throw new RemoteGitError(`git push to ${redactUrl(url)} was refused: ${redactUrl(why)}`);
  throw failure(`git push to ${redactUrl(url)}`, r.stderr || r.stdout);
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
export async function gitResetKeep(root: string, rev: string): Promise<void> {
  const r = await runGit(["reset", "--quiet", "--keep", rev], root);
  if (r.code !== 0) throw failure("git reset", r.stderr);
}

/** Replay local commits onto `onto`; false (and the rebase aborted) when they conflict. */
export async function gitRebase(root: string, onto: string): Promise<boolean> {
  // Replayed commits need a committer; a repository without an identity gets Tollgate's.
  const named = (await runGit(["config", "user.name"], root)).code === 0;
  const env: Record<string, string> = named
    ? {}
    : { GIT_COMMITTER_NAME: "Tollgate", GIT_COMMITTER_EMAIL: "tollgate@localhost" };
  const noRenames = ["-c", "merge.directoryRenames=false", "-c", "merge.renames=false"];
  const r = await runGit([...noRenames, "rebase", "--quiet", "--no-autostash", onto], root, {
    env,
  });
  if (r.code === 0) return true;

  await runGit(["rebase", "--abort"], root);
  return false;
}

/** Subjects of the commits in `from..to`, oldest first. */
export async function subjects(root: string, from: string, to: string): Promise<string[]> {
  const r = await runGit(["log", "--reverse", "--format=%s", `${from}..${to}`], root);
  return r.stdout.split("\n").filter((l) => l !== "");
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
): Promise<boolean> {
  const add = await runGit(["add", "-A", "--", ...pathspecs], root);
  if (add.code !== 0 && !/did not match any files/.test(add.stderr)) {
    throw failure("git add", add.stderr);
  }
  const staged = await runGit(["diff", "--cached", "--quiet"], root);
  if (staged.code === 0) return false;
  let r = await runGit(["commit", "--no-verify", "--quiet", "-m", subject], root);
  if (r.code !== 0 && /tell me who you are|auto-detect|empty ident/i.test(r.stderr)) {
    const id = ["-c", "user.name=Tollgate", "-c", "user.email=tollgate@localhost"];
    r = await runGit([...id, "commit", "--no-verify", "--quiet", "-m", subject], root);
  }
  if (r.code !== 0) throw failure("git commit", r.stderr);
  return true;
}

/** Keep the lock file and temp files out of every commit (`.git/info/exclude`, never shared). */
export async function excludeLocalFiles(root: string): Promise<void> {
  const r = await runGit(
    ["rev-parse", "--path-format=absolute", "--git-path", "info/exclude"],
    root,
  );
  const path = r.stdout.trim();
  if (r.code !== 0 || !path) return;
  const text = await Deno.readTextFile(path).catch(() => "");
  const lines = [".tollgate.lock", ".*.tmp"].filter((l) => !text.split("\n").includes(l));
  if (lines.length === 0) return;
  await Deno.mkdir(path.replace(/\/[^/]+$/, ""), { recursive: true });
  const sep = text === "" || text.endsWith("\n") ? "" : "\n";
  await Deno.writeTextFile(path, `${text}${sep}${lines.join("\n")}\n`);
}
