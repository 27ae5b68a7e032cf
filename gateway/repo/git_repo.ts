/**
 * The few Git operations the gateway needs, through the real `git` binary: find the work
 * tree root, commit one file with trailers (and check that the commit holds exactly the text
 * written), and tell whether a file has uncommitted changes. Every run goes through the
 * hardened `runGit()` (gateway/client/run_git.ts): nothing planted in the repository runs.
 *
 * @module
 */

import { DRIVER_KEYS, driverOverrides, runGit } from "../client/mod.ts";
import { commitHolds, readHead } from "./_head_commit.ts";

/**
 * The root of the Git work tree holding `dir`, or undefined when it is not in one (or git is
 * missing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitWorkTreeRoot } from "./git_repo.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * await Deno.mkdir(`${dir}/policies`);
 * assert.equal(await gitWorkTreeRoot(`${dir}/policies`), dir);
 * await Deno.remove(`${dir}/.git`, { recursive: true });
 * assert.equal(await gitWorkTreeRoot(`${dir}/policies`), undefined);
 * await Deno.remove(dir, { recursive: true });
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
  /** The commit message's first line. */
  subject: string;
  /** Trailers after the subject (`Proposal-Id: p-…`), in order. */
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
 * @param drivers the repository's driver overrides (`gitDriverOverrides`), when the caller
 *   started reading them earlier, beside other work; else they are read now

 * @returns the new commit's (abbreviated) id
 * @throws {Error} when git fails, with git's first error line, or the commit was rolled back
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitCommitFile, gitFileDirty } from "./git_repo.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * const text = "version: 1\n";
 * await Deno.writeTextFile(`${dir}/team.yaml`, text);
 * const trailers = { "Proposal-Id": "p-20261205T120000-abc123" };
 * const commit = await gitCommitFile(dir, { path: "team.yaml", subject: "policy(team): allow", trailers, text });
 * assert.match(commit, /^[0-9a-f]{7,}$/);
 * assert.equal(await gitFileDirty(dir, "team.yaml"), false);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function gitCommitFile(
  root: string,
  commit: FileCommit,
  drivers?: Promise<Record<string, string>>,
): Promise<string> {
  // Four git runs in three rounds: an approval waits for each, and starting a process is what
  // costs on a busy host. The parent and the text are read from the commit made, by blob id.
  const env = await (drivers ?? gitDriverOverrides(root));
  await commitOnly(root, commit, env);
  const [made, short] = await Promise.all([
    readHead(root),
    runGit(["rev-parse", "--short", "HEAD"], root),
  ]);
  if (commit.text !== undefined && !await commitHolds(root, made, commit.path, commit.text)) {
    await rollBack(root, commit.path, made.parent, env);
    const why = "(a git attribute or filter of the repository changed it)";
    const end = "the commit was rolled back";
    throw new Error(
      `The commit of "${commit.path}" does not hold the text Tollgate wrote ${why}; ${end}`,
    );
  }
  return short.stdout.trim();
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

async function rollBack(root: string, path: string, known?: string, env = {}) {
  const head = (await runGit(["rev-parse", "HEAD"], root)).stdout.trim();
  const parent = known ??
    (await runGit(["rev-parse", "-q", "--verify", "HEAD^"], root)).stdout.trim();
  if (parent) {
    await runGit(["update-ref", "-m", "tollgate: roll back", "HEAD", parent, head], root);
    await runGit(["reset", "-q", "--", path], root, { env });
  } else {
    await runGit(["update-ref", "-d", "HEAD", head], root);
    await runGit(["rm", "-q", "--cached", "--", path], root, { env });
  }
}

/**
 * Overrides (environment for `runGit`) that empty every driver command the repository's
 * config names, read now: a run given them starts no filter, diff or merge driver.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitDriverOverrides } from "./git_repo.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * await new Deno.Command("git", { args: ["-C", dir, "config", "filter.x.clean", "evil"] }).output();
 * const env = await gitDriverOverrides(dir);
 * assert.equal(env.GIT_CONFIG_KEY_0, "filter.x.clean");
 * assert.equal(env.GIT_CONFIG_VALUE_0, "");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function gitDriverOverrides(root: string): Promise<Record<string, string>> {
  const r = await runGit(["config", "--null", "--name-only", "--get-regexp", DRIVER_KEYS], root);
  return driverOverrides(r.code === 0 ? r.stdout : "");
}

/**
 * True when `path` (relative to `root`) differs from HEAD (modified, staged or untracked).
 *
 * @param drivers the repository's driver overrides, when the caller read them for a commit too

 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitFileDirty } from "./git_repo.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * assert.equal(await gitFileDirty(dir, "team.yaml"), false);
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * assert.equal(await gitFileDirty(dir, "team.yaml"), true); // untracked counts
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function gitFileDirty(
  root: string,
  path: string,
  drivers?: Promise<Record<string, string>>,
): Promise<boolean> {
  const args = ["status", "--porcelain", "--ignore-submodules=all", "--", path];
  const r = await runGit(args, root, { env: await (drivers ?? gitDriverOverrides(root)) });
  return r.code === 0 && r.stdout.trim() !== "";
}

/**
 * The configured `user.name` of the repository holding `dir`, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitUserName } from "./git_repo.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * await new Deno.Command("git", { args: ["-C", dir, "config", "user.name", "Alice"] }).output();
 * assert.equal(await gitUserName(dir), "Alice");
 * await Deno.remove(dir, { recursive: true });
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

/**
 * Keep the approval lock and temp files out of every commit, whoever commits: a line each in
 * the repository's `.git/info/exclude` (never shared), not in a `.gitignore` a person reviews.
 * Nothing is written outside a Git work tree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { excludeLocalFiles } from "./git_repo.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * await excludeLocalFiles(dir);
 * await excludeLocalFiles(dir); // once is enough: no line twice
 * const exclude = await Deno.readTextFile(`${dir}/.git/info/exclude`);
 * assert.equal(exclude.split("\n").filter((l) => l === ".tollgate.lock").length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
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
