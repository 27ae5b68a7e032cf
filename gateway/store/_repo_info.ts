/**
 * Where the policies directory sits in its Git work tree (root and path prefix), looked up
 * again at most every ten seconds: a commit needs it, and `git rev-parse` on every approval
 * would cost a process spawn each time.
 *
 * @module
 */

import { relative } from "node:path";
import { gitWorkTreeRoot } from "../repo/mod.ts";
import type { RepoInfo } from "../proposals/mod.ts";

/** How long the Git layout of the directory is trusted before it is looked up again. */
const REPO_TTL_MS = 10_000;

/**
 * A lookup of `dir`'s Git layout that reuses its answer for `REPO_TTL_MS`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cachedRepoInfo } from "./_repo_info.ts";
 * const dir = await Deno.makeTempDir();
 * const info = cachedRepoInfo(dir);
 * assert.equal(info(), info());
 * assert.equal((await info()).root, undefined);
 * await Deno.remove(dir);
 * ```
 */
export function cachedRepoInfo(dir: string): () => Promise<RepoInfo> {
  let cached: { at: number; info: Promise<RepoInfo> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > REPO_TTL_MS) cached = { at: now, info: lookUpRepo(dir) };
    return cached.info;
  };
}

async function lookUpRepo(dir: string): Promise<RepoInfo> {
  const root = await gitWorkTreeRoot(dir);
  if (!root) return { prefix: "" };
  const rel = relative(await Deno.realPath(root), await Deno.realPath(dir));
  return { root, prefix: rel === "" ? "" : `${rel.split("\\").join("/")}/` };
}
