/**
 * Whether one absolute path is another or lies below it: the one test the sandbox's planners
 * share (which folders to keep, to cover, to bind back, or that a rule reaches).
 *
 * @module
 */

/**
 * Whether `path` is `folder` or below it (`folder` may end with `/`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { within } from "./_within.ts";
 * assert.ok(within("/tmp/a/b", "/tmp/a") && within("/tmp/a", "/tmp/a") && within("/x", "/"));
 * assert.ok(!within("/tmp/ab", "/tmp/a"));
 * ```
 */
export function within(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith("/") ? folder : `${folder}/`);
}

/**
 * Whether `dir` may be covered: not when it holds the working directory (the command would lose
 * it) or the state directory (whose public part the command needs), nor inside the latter (hidden
 * already).
 */
export function hideable(dir: string, cwd: string, stateDir: string): boolean {
  return !within(cwd, dir) && !within(stateDir, dir) && !within(dir, stateDir);
}

/**
 * The folders of `dirs` to cover, outermost first: each `hideable()` one not inside another kept
 * (a mount inside a covered folder would find no mount point there).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coverable } from "./_within.ts";
 * const dirs = ["/repo/policies/pending", "/repo/policies", "/repo/.git"];
 * assert.deepEqual(coverable(dirs, "/work", "/state"), ["/repo/.git", "/repo/policies"]);
 * assert.deepEqual(coverable(dirs, "/repo/policies", "/state"), ["/repo/.git", "/repo/policies/pending"]);
 * ```
 */
export function coverable(dirs: readonly string[], cwd: string, stateDir: string): string[] {
  const kept: string[] = [];
  const outermostFirst = [...new Set(dirs)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  for (const dir of outermostFirst) {
    if (hideable(dir, cwd, stateDir) && !kept.some((k) => within(dir, k))) kept.push(dir);
  }
  return kept;
}
