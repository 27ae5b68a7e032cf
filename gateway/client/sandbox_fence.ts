/**
 * What a sandbox on this host must not touch of the policy repository, for the commands that
 * run one (`sandbox run`, with or without `--gateway`): the names of the two files the gateway
 * keeps from agents, and the repository's directories, found with git.
 *
 * @module
 */

import { join } from "node:path";
import { runGit } from "./run_git.ts";

/** The org ceiling's file in the policies directory (gateway/authority reads it). */
export const CEILING_FILE = "ceiling.yaml";

/** The auto-approval patterns' file in the policies directory (gateway/automation reads it). */
export const AUTO_APPROVE_FILE = "auto_approve.yaml";

/** The paths a sandbox gets read-only, and the files and folders it must not read at all. */
export interface SandboxFence {
  /** The repository holding the policies (its .git included), then the policies directory. */
  readOnly: string[];
  /** The org ceiling and the auto-approval patterns. */
  hideFiles: string[];
  /**
   * Covered by an empty folder in a netns sandbox: the policies directory (every sandbox's
   * proposals, rationale and rules), its proposal folders (for a runner that cannot cover the
   * whole, its working directory being inside) and the repository's git directories (the
   * history of all of them). Only those that exist, outermost first.
   */
  hideDirs: string[];
}

/** The proposal folders of a policies directory: pending, approved and rejected patches. */
const PROPOSAL_DIRS = ["pending", "approved", "rejected"];

/**
 * The fence around `policiesDir`: the whole policy repository read-only (a hook, config or
 * attribute planted there would otherwise run, or change what is committed, at the next
 * approval), and the ceiling and auto-approval files hidden.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sandboxFence } from "./sandbox_fence.ts";
 * const dir = await Deno.makeTempDir();
 * const fence = await sandboxFence(dir);
 * assert.deepEqual(fence.readOnly, [dir]);
 * assert.deepEqual(fence.hideFiles, [`${dir}/ceiling.yaml`, `${dir}/auto_approve.yaml`]);
 * assert.deepEqual(fence.hideDirs, [dir]);
 * await Deno.remove(dir);
 * ```
 */
export async function sandboxFence(policiesDir: string): Promise<SandboxFence> {
  const layout = await gitRepoLayout(policiesDir);
  const hidden = [
    policiesDir,
    ...PROPOSAL_DIRS.map((d) => join(policiesDir, d)),
    ...layout.gitDirs,
  ];
  const isDir = (path: string) => Deno.stat(path).then((s) => s.isDirectory, () => false);
  const found = await Promise.all(hidden.map(isDir));
  return {
    readOnly: [...layout.writable, policiesDir],
    hideFiles: [CEILING_FILE, AUTO_APPROVE_FILE].map((f) => join(policiesDir, f)),
    hideDirs: [...new Set(hidden.filter((_, i) => found[i]))],
  };
}

/**
 * The directories a sandbox must not write to protect the repository holding `dir`: its work
 * tree root, then its git directories when they live elsewhere (a linked worktree's or a
 * separate git dir). Outermost first, so read-only bind mounts stack; empty outside Git.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitRepoPaths } from "./sandbox_fence.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * await Deno.mkdir(`${dir}/policies`);
 * assert.deepEqual(await gitRepoPaths(`${dir}/policies`), [dir]);
 * const outside = await Deno.makeTempDir();
 * assert.deepEqual(await gitRepoPaths(outside), []);
 * await Deno.remove(outside);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function gitRepoPaths(dir: string): Promise<string[]> {
  return (await gitRepoLayout(dir)).writable;
}

/**
 * The repository holding `dir`: the paths to mount read-only (as `gitRepoPaths()`), and its git
 * directories wherever they are (`.git`, a linked worktree's and the common one).
 */
async function gitRepoLayout(dir: string): Promise<{ writable: string[]; gitDirs: string[] }> {
  const args = ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir"];
  const r = await runGit([...args, "--git-common-dir"], dir).catch(() => undefined);
  if (!r || r.code !== 0) return { writable: [], gitDirs: [] };
  const [root, ...gitDirs] = r.stdout.split("\n").filter((l) => l !== "");
  if (root === undefined) return { writable: [], gitDirs: [] };
  const outside = gitDirs.filter((d) => d !== root && !d.startsWith(`${root}/`));
  return { writable: [...new Set([root, ...outside])], gitDirs: [...new Set(gitDirs)] };
}
