/**
 * Ancestry read from loose commit objects, where `git merge-base --is-ancestor` would start a
 * process: a fetch of a few commits stores them loose (git unpacks fewer than
 * `fetch.unpackLimit`, 100, objects), so whether the fetched tip descends from HEAD, the usual
 * question on the path from a push to the proxies, is answered by reading the tip's parents.
 * Only "yes" is answered here; anything else (a packed commit, a walk too long) is git's.
 *
 * @module
 */

import { join } from "node:path";
import { inflateSync } from "node:zlib";

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Commits read at most before git is asked instead. */
const MAX_COMMITS = 32;

/**
 * The parents of loose commit `id` in the object directory `objects`, or undefined when it is
 * not a loose commit (packed, missing, another type, unreadable). A loose object's file name is
 * the hash of its content, which git checked when it wrote it (unpacking a fetch hashes every
 * object it stores).
 */
export async function looseParents(objects: string, id: string): Promise<string[] | undefined> {
  if (!OBJECT_ID.test(id)) return undefined;
  try {
    const file = await Deno.readFile(join(objects, id.slice(0, 2), id.slice(2)));
    const text = new TextDecoder().decode(inflateSync(file));
    const nul = text.indexOf("\0");
    if (nul < 0 || !text.startsWith("commit ")) return undefined;
    // The header lines end at the first empty line: "tree …", then "parent …" lines.
    const head = text.slice(nul + 1).split("\n\n", 1)[0]!.split("\n");
    const parents = head.filter((l) => l.startsWith("parent ")).map((l) => l.slice(7));
    return parents.every((p) => OBJECT_ID.test(p)) ? parents : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when commit `ancestor` is `tip` or one of its ancestors, found among loose commits
 * (at most `MAX_COMMITS` read); undefined when the loose objects cannot tell (ask git).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { looseAncestor } from "./_loose_commits.ts";
 * const dir = await Deno.makeTempDir();
 * const git = async (...args: string[]) =>
 *   new TextDecoder().decode((await new Deno.Command("git", { args, cwd: dir }).output()).stdout).trim();
 * await git("init", "-q");
 * const commit = async () => {
 *   await git("-c", "user.name=s", "-c", "user.email=s@s", "commit", "-q", "--allow-empty", "-m", "x");
 *   return await git("rev-parse", "HEAD");
 * };
 * const [a, b, c] = [await commit(), await commit(), await commit()];
 * assert.equal(await looseAncestor(`${dir}/.git/objects`, c, a), true);
 * assert.equal(await looseAncestor(`${dir}/.git/objects`, c, c), true);
 * assert.equal(await looseAncestor(`${dir}/.git/objects`, a, b), undefined); // git decides
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function looseAncestor(
  objects: string,
  tip: string,
  ancestor: string,
): Promise<true | undefined> {
  const seen = new Set<string>();
  let next = [tip];
  while (next.length > 0) {
    if (next.includes(ancestor)) return true;
    const todo = next.filter((id) => !seen.has(id));
    if (seen.size + todo.length > MAX_COMMITS) return undefined;
    todo.forEach((id) => seen.add(id));
    const parents = await Promise.all(todo.map((id) => looseParents(objects, id)));
    if (parents.some((p) => p === undefined)) return undefined;
    next = [...new Set(parents.flat() as string[])];
  }
  // The whole history was loose and `ancestor` is not in it: still git's to say.
  return undefined;
}
