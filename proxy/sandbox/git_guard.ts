/**
 * The parts of a Git repository that make Git run code: its `config` (`core.fsmonitor`,
 * `core.hooksPath`, `core.sshCommand`, aliases, filters, credential helpers) and its `hooks`.
 * A confined sandbox's working directory is writable and usually a checkout the user goes on
 * using on the host, so these are shown read-only inside: otherwise a hostile command could
 * make the user's next `git status` run its code, outside the sandbox.
 *
 * @module
 */

import { dirname, isAbsolute, join, resolve } from "node:path";

/**
 * The repository holding `workdir` (the nearest `.git` above it, a folder or a `gitdir:` file),
 * as the folders Git keeps its own files in: the repository's, and the common one a linked
 * worktree shares. Undefined outside a repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitDirsOf } from "./git_guard.ts";
 *
 * const repo = await Deno.makeTempDir();
 * await Deno.mkdir(`${repo}/.git/hooks`, { recursive: true });
 * await Deno.mkdir(`${repo}/src`);
 * assert.deepEqual(await gitDirsOf(`${repo}/src`), [`${repo}/.git`]);
 * assert.equal(await gitDirsOf("/"), undefined);
 * await Deno.remove(repo, { recursive: true });
 * ```
 */
export async function gitDirsOf(workdir: string): Promise<string[] | undefined> {
  for (let dir = resolve(workdir);; dir = dirname(dir)) {
    const dotGit = join(dir, ".git");
    const info = await Deno.stat(dotGit).catch(() => null);
    if (info?.isDirectory) return [dotGit];
    if (info?.isFile) return await linkedGitDirs(dotGit);
    if (dir === dirname(dir)) return undefined;
  }
}

/** A `.git` file's `gitdir:` (a linked worktree, a submodule), and its `commondir`. */
async function linkedGitDirs(dotGit: string): Promise<string[] | undefined> {
  const line = (await Deno.readTextFile(dotGit).catch(() => "")).match(/^gitdir: (.+)$/m)?.[1];
  if (line === undefined) return undefined;
  const gitDir = isAbsolute(line.trim()) ? line.trim() : resolve(dirname(dotGit), line.trim());
  const common = (await Deno.readTextFile(join(gitDir, "commondir")).catch(() => "")).trim();
  return common === "" ? [gitDir] : [gitDir, resolve(gitDir, common)];
}

/**
 * The files and folders to show read-only in a confined sandbox whose working directory is
 * `workdir`: each Git folder's `config` and `hooks`, and those of its submodules (under
 * `modules/`). A missing `hooks` folder is created empty first (as `git init` would have), or
 * the command could create it and plant a hook.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitGuardPaths } from "./git_guard.ts";
 *
 * const repo = await Deno.makeTempDir();
 * await Deno.mkdir(`${repo}/.git`);
 * await Deno.writeTextFile(`${repo}/.git/config`, "[core]\n");
 * assert.deepEqual(await gitGuardPaths(repo), [`${repo}/.git/config`, `${repo}/.git/hooks`]);
 * assert.ok((await Deno.stat(`${repo}/.git/hooks`)).isDirectory);
 * await Deno.remove(repo, { recursive: true });
 * ```
 */
export async function gitGuardPaths(workdir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const gitDir of await gitDirsOf(workdir) ?? []) {
    for (const dir of [gitDir, ...await submoduleGitDirs(join(gitDir, "modules"))]) {
      paths.push(...await guarded(dir));
    }
  }
  return [...new Set(paths)];
}

async function guarded(gitDir: string): Promise<string[]> {
  const config = join(gitDir, "config");
  const hooks = join(gitDir, "hooks");
  await Deno.mkdir(hooks).catch(() => {});
  const found: string[] = [];
  for (const path of [config, hooks]) {
    if (await Deno.lstat(path).then(() => true, () => false)) found.push(path);
  }
  return found;
}

/** Submodules' Git folders (each holds `HEAD`), nested ones included, a bounded walk. */
async function submoduleGitDirs(modules: string, depth = 0): Promise<string[]> {
  if (depth > 4) return [];
  const found: string[] = [];
  const entries = await Array.fromAsync(Deno.readDir(modules)).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory) continue;
    const dir = join(modules, entry.name);
    if (await Deno.lstat(join(dir, "HEAD")).then(() => true, () => false)) {
      found.push(dir, ...await submoduleGitDirs(join(dir, "modules"), depth + 1));
    } else {
      // A submodule named with a slash (`libs/a`) nests plain folders.
      found.push(...await submoduleGitDirs(dir, depth + 1));
    }
  }
  return found;
}
