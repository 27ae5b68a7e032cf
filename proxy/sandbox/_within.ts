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
