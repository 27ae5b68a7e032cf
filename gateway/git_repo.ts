/**
 * The few Git operations the gateway needs, through the real `git` binary: find the work
 * tree root, commit one file with trailers, and tell whether a file has uncommitted changes.
 *
 * @module
 */

/** The result of one git run. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run git in `cwd` and capture its output (never throws for a non-zero exit).
 *
 * @example
 * ```ts ignore
 * const { stdout } = await runGit(["rev-parse", "HEAD"], repo);
 * ```
 */
export async function runGit(args: string[], cwd: string, stdin?: string): Promise<GitResult> {
  const child = new Deno.Command("git", {
    args,
    cwd,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    // A prompt (editor, credentials, pager) must never block an approval.
    env: { GIT_TERMINAL_PROMPT: "0", GIT_EDITOR: "true", GIT_PAGER: "cat" },
  }).spawn();
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
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
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

/** A commit of one file: subject line plus trailers. */
export interface FileCommit {
  /** Path relative to the work tree root. */
  path: string;
  subject: string;
  trailers: Record<string, string>;
}

/**
 * Commit exactly one file (other staged or modified files are left alone). Uses the repo's
 * identity when it has one, else a Tollgate identity. One `git` run in the common case.
 *
 * @returns the new commit's (abbreviated) id
 * @throws {Error} when git fails, with git's first error line
 * @example
 * ```ts ignore
 * await gitCommitFile(root, { path: "policies/team.yaml", subject: "policy(team): …", trailers: { "Proposal-Id": id } });
 * ```
 */
export async function gitCommitFile(root: string, commit: FileCommit): Promise<string> {
  const trailers = Object.entries(commit.trailers).map(([k, v]) => `${k}: ${v}`).join("\n");
  const message = `${commit.subject}\n\n${trailers}\n`;
  let identity: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const args = [...identity, "commit", "-F", "-", "--only", "--", commit.path];
    const r = await runGit(args, root, message);
    if (r.code === 0) return /^\[.* ([0-9a-f]{7,64})\]/m.exec(r.stdout)?.[1] ?? "";
    const why = r.stderr || r.stdout;
    if (/did not match any file/.test(why)) {
      // A new file: it must be known to git before `--only` can commit it.
      const add = await runGit(["add", "--", commit.path], root);
      if (add.code !== 0) throw new Error(`git add failed: ${firstLine(add.stderr)}`);
    } else if (identity.length === 0 && /tell me who you are|auto-detect|empty ident/i.test(why)) {
      identity = ["-c", "user.name=Tollgate", "-c", "user.email=tollgate@localhost"];
    } else {
      throw new Error(`git commit failed: ${firstLine(why)}`);
    }
  }
  throw new Error("git commit failed");
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
  const r = await runGit(["status", "--porcelain", "--", path], root);
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
