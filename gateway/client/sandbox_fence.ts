/**
 * What a sandbox on this host must not touch of the policy repository, for the commands that
 * run one (`sandbox run`, with or without `--gateway`): the names of the two files the gateway
 * keeps from agents, and the repository's directories, found with git.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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
   * whole, its working directory being inside), the repository's git directories (the history
   * of all of them) and its remotes on this machine (a gateway following one serves what is
   * pushed there). Only those that exist, outermost first.
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
  const proposals = PROPOSAL_DIRS.map((d) => join(policiesDir, d));
  const hidden = [policiesDir, ...proposals, ...layout.gitDirs, ...layout.remotes];
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
async function gitRepoLayout(dir: string): Promise<RepoLayout> {
  const none = { writable: [], gitDirs: [], remotes: [] };
  const args = ["rev-parse", "--path-format=absolute", "--show-toplevel", "--git-dir"];
  const r = await runGit([...args, "--git-common-dir"], dir).catch(() => undefined);
  if (!r || r.code !== 0) return none;
  const [root, ...gitDirs] = r.stdout.split("\n").filter((l) => l !== "");
  if (root === undefined) return none;
  const outside = gitDirs.filter((d) => d !== root && !d.startsWith(`${root}/`));
  const writable = [...new Set([root, ...outside])];
  return { writable, gitDirs: [...new Set(gitDirs)], remotes: await localRemotes(root) };
}

/** The repository's layout as the fence needs it. */
interface RepoLayout {
  /** The work tree root and the git directories outside it. */
  writable: string[];
  /** Every git directory of the repository. */
  gitDirs: string[];
  /** The folders its remotes name on this machine. */
  remotes: string[];
}

/** The folders the remotes of the repository at `root` name on this machine. */
async function localRemotes(root: string): Promise<string[]> {
  const urls = await runGit(["config", "--get-regexp", "^remote\\..*\\.url$"], root)
    .catch(() => undefined);
  if (urls?.code !== 0) return [];
  return urls.stdout.split("\n").flatMap((line) => {
    const space = line.indexOf(" ");
    const path = space < 0 ? undefined : localRemotePath(line.slice(space + 1), root);
    return path === undefined ? [] : [path];
  });
}

/**
 * The folder a Git remote URL names on this machine (`file://` or a path, as git reads them,
 * a relative one from `base`), or undefined for a remote elsewhere (`https://`, `ssh://`,
 * scp-like `host:path`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localRemotePath } from "./sandbox_fence.ts";
 * assert.equal(localRemotePath("file:///srv/policies.git"), "/srv/policies.git");
 * assert.equal(localRemotePath("../policies.git", "/srv/clone"), "/srv/policies.git");
 * assert.equal(localRemotePath("git@git.example:team/policies.git"), undefined);
 * assert.equal(localRemotePath("https://git.example/policies.git"), undefined);
 * ```
 */
export function localRemotePath(url: string, base = "."): string | undefined {
  if (url.startsWith("file://")) return fileURLToPath(url);
  if (url.includes("://")) return undefined;
  // git reads host:path as ssh when the colon comes before any slash.
  const colon = url.indexOf(":");
  const slash = url.indexOf("/");
  if (colon >= 0 && (slash < 0 || colon < slash)) return undefined;
  return resolve(base, url);
}
