/**
 * The few Git operations the gateway needs, through the real `git` binary: find the work
 * tree root, commit one file with trailers (and check that the commit holds exactly the text
 * written), and tell whether a file has uncommitted changes. Every run is hardened (see
 * `_git_hardening.ts`): nothing planted in the repository runs.
 *
 * @module
 */

import { DRIVER_KEYS, driverOverrides, HARDENED_CONFIG, HARDENED_ENV } from "./_git_hardening.ts";

/** The result of one git run. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the run was killed at its `timeoutMs`. */
  timedOut?: boolean;
}

/** Options of one git run. */
export interface RunGitOptions {
  /** Text for git's standard input. */
  stdin?: string;
  /** Extra environment (e.g. `driverOverrides`). */
  env?: Record<string, string>;
  /** Kill git, and every process it started (its own process group), after this many ms. */
  timeoutMs?: number;
}

/**
 * Run git in `cwd`, hardened, and capture its output (never throws for a non-zero exit).
 *
 * @example
 * ```ts ignore
 * const { stdout } = await runGit(["rev-parse", "HEAD"], repo);
 * ```
 */
export async function runGit(
  args: string[],
  cwd: string,
  options: RunGitOptions = {},
): Promise<GitResult> {
  const { stdin } = options;
  const child = new Deno.Command("git", {
    args: [...HARDENED_CONFIG.flatMap((c) => ["-c", c]), "--no-pager", ...args],
    cwd,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    // A prompt (editor, credentials, pager) must never block an approval.
    env: { ...HARDENED_ENV, ...options.env },
    detached: options.timeoutMs !== undefined,
  }).spawn();
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    try {
      // The whole group: a transport helper (git-remote-https, send-pack) must not finish a
      // push after the caller was told it failed, nor hold the output pipes open.
      Deno.kill(-child.pid, "SIGKILL");
      timedOut = true;
    } catch {
      // Already gone.
    }
  }, options.timeoutMs);
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
    } catch {
      // git may exit before reading its input (no identity, a bad path): its exit code and
      // stderr below say why; a broken pipe here is not the error to report.
      await writer.abort().catch(() => {});
    }
  }
  const out = await child.output().finally(() => clearTimeout(timer));
  const decoder = new TextDecoder();
  const result = { code: out.code, stdout: decoder.decode(out.stdout) };
  return { ...result, stderr: decoder.decode(out.stderr), ...(timedOut ? { timedOut } : {}) };
}

/**
 * The root of the Git work tree holding `dir`, or undefined when it is not in one (or git is
 * missing).
 *
 * @example
 * ```ts ignore
 * const root = await gitWorkTreeRoot("policies");
 * ```
 */
export async function gitWorkTreeRoot(dir: string): Promise<string | undefined> {
  try {
    const r = await runGit(["rev-parse", "--show-toplevel"], dir);
    return r.code === 0 ? r.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The directories a sandbox must not write to protect the repository holding `dir`: its work
 * tree root, then its git directories when they live elsewhere (a linked worktree's or a
 * separate git dir). Outermost first, so read-only bind mounts stack; empty outside Git.
 *
 * @example
 * ```ts ignore
 * const readOnly = [...await gitRepoPaths(policiesDir), policiesDir];
 * ```
 */
export async function gitRepoPaths(dir: string): Promise<string[]> {
  const args = ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir"];
  const r = await runGit([...args, "--git-common-dir"], dir).catch(() => undefined);
  if (!r || r.code !== 0) return [];
  const [root, ...gitDirs] = r.stdout.split("\n").filter((l) => l !== "");
  if (root === undefined) return [];
  const outside = gitDirs.filter((d) => d !== root && !d.startsWith(`${root}/`));
  return [...new Set([root, ...outside])];
}

/** A commit of one file: subject line plus trailers. */
export interface FileCommit {
  /** Path relative to the work tree root. */
  path: string;
  subject: string;
  trailers: Record<string, string>;
  /**
   * The text Tollgate wrote to the file: the commit must hold exactly it (line endings
   * aside) and change no other path, else it is rolled back.
   */
  text?: string;
}

/**
 * Commit exactly one file (other staged or modified files are left alone), with hooks and
 * drivers off. Uses the repo's identity when it has one, else a Tollgate identity. With
 * `commit.text`, a commit that does not hold that text is rolled back (HEAD and the index
 * entry return to the parent) and refused.
 *
 * @returns the new commit's (abbreviated) id
 * @throws {Error} when git fails, with git's first error line, or the commit was rolled back
 * @example
 * ```ts ignore
 * await gitCommitFile(root, { path: "policies/team.yaml", subject: "policy(team): …", trailers: { "Proposal-Id": id } });
 * ```
 */
export async function gitCommitFile(root: string, commit: FileCommit): Promise<string> {
  const env = await noDrivers(root);
  const parent = (await runGit(["rev-parse", "-q", "--verify", "HEAD^{commit}"], root)).stdout
    .trim();
  await commitOnly(root, commit, env);
  if (commit.text !== undefined && !(await commitHolds(root, commit.path, commit.text))) {
    await rollBack(root, commit.path, parent, env);
    throw new Error(
      `The commit of "${commit.path}" does not hold the text Tollgate wrote (a git attribute ` +
        "or filter of the repository changed it); the commit was rolled back",
    );
  }
  return (await runGit(["rev-parse", "--short", "HEAD"], root)).stdout.trim();
}

async function commitOnly(root: string, commit: FileCommit, env: Record<string, string>) {
  const trailers = Object.entries(commit.trailers).map(([k, v]) => `${k}: ${v}`).join("\n");
  const message = `${commit.subject}\n\n${trailers}\n`;
  let identity: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const args = [...identity, "commit", "--no-verify", "--quiet", "-F", "-", "--only"];
    const r = await runGit([...args, "--", commit.path], root, { stdin: message, env });
    if (r.code === 0) return;
    const why = r.stderr || r.stdout;
    if (/did not match any file/.test(why)) {
      // A new file: it must be known to git before `--only` can commit it.
      const add = await runGit(["add", "--", commit.path], root, { env });
      if (add.code !== 0) throw new Error(`git add failed: ${firstLine(add.stderr)}`);
    } else if (identity.length === 0 && /tell me who you are|auto-detect|empty ident/i.test(why)) {
      identity = ["-c", "user.name=Tollgate", "-c", "user.email=tollgate@localhost"];
    } else {
      throw new Error(`git commit failed: ${firstLine(why)}`);
    }
  }
  throw new Error("git commit failed");
}

/** True when HEAD changed only `path`, to `text` (CRLF and LF count as the same). */
async function commitHolds(root: string, path: string, text: string): Promise<boolean> {
  const blob = await runGit(["cat-file", "blob", `HEAD:${path}`], root);
  const lf = (t: string) => t.replaceAll("\r\n", "\n");
  if (blob.code !== 0 || lf(blob.stdout) !== lf(text)) return false;
  const args = ["diff-tree", "-r", "-z", "--root", "--no-commit-id", "--name-only", "--no-renames"];
  const changed = await runGit([...args, "HEAD"], root);
  return changed.code === 0 && changed.stdout === `${path}\0`;
}

async function rollBack(root: string, path: string, parent: string, env: Record<string, string>) {
  const head = (await runGit(["rev-parse", "HEAD"], root)).stdout.trim();
  if (parent) {
    await runGit(["update-ref", "-m", "tollgate: roll back", "HEAD", parent, head], root);
    await runGit(["reset", "-q", "--", path], root, { env });
  } else {
    await runGit(["update-ref", "-d", "HEAD", head], root);
    await runGit(["rm", "-q", "--cached", "--", path], root, { env });
  }
}

/** Overrides that empty every driver command the repository's config names. */
async function noDrivers(root: string): Promise<Record<string, string>> {
  const r = await runGit(["config", "--null", "--name-only", "--get-regexp", DRIVER_KEYS], root);
  return driverOverrides(r.code === 0 ? r.stdout : "");
}

/**
 * True when `path` (relative to `root`) differs from HEAD (modified, staged or untracked).
 *
 * @example
 * ```ts ignore
 * if (await gitFileDirty(root, "policies/team.yaml")) { … }
 * ```
 */
export async function gitFileDirty(root: string, path: string): Promise<boolean> {
  const args = ["status", "--porcelain", "--ignore-submodules=all", "--", path];
  const r = await runGit(args, root, { env: await noDrivers(root) });
  return r.code === 0 && r.stdout.trim() !== "";
}

/**
 * The configured `user.name` of the repository holding `dir`, if any.
 *
 * @example
 * ```ts ignore
 * const me = await gitUserName("policies");
 * ```
 */
export async function gitUserName(dir: string): Promise<string | undefined> {
  try {
    const r = await runGit(["config", "user.name"], dir);
    return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
