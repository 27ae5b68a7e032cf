/**
 * What an approval's commit holds, read back in one git run: its parent (for a roll-back) and
 * each path it changed with the new blob's id, so that the policy text is compared by blob id
 * instead of being read back (a megabyte at 10,000 rules).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { runGit } from "../client/mod.ts";

/** HEAD's parent (unknown when git failed) and the paths it changed with their new blob ids. */
export type HeadCommit = { parent?: string; changed: { path: string; blob: string }[] };

/** HEAD's parent and changed paths (`git diff-tree` of HEAD, one run). */
export async function readHead(root: string): Promise<HeadCommit> {
  const args = ["diff-tree", "-r", "-z", "--root", "--no-renames", "--format=%P%x00", "HEAD"];
  const r = await runGit(args, root);
  if (r.code !== 0) return { changed: [] };
  // "<parents>", then per path ":<modes> <old> <new> <status>" and "<path>", NUL-separated.
  const [parents = "", ...fields] = r.stdout.split("\0");
  const changed = [];
  for (let i = 0; i + 1 < fields.length; i++) {
    const raw = fields[i]!.trimStart();
    if (raw.startsWith(":")) changed.push({ path: fields[++i]!, blob: raw.split(" ")[3] ?? "" });
  }
  return { parent: parents.trim().split(" ")[0] ?? "", changed };
}

/**
 * True when HEAD changed only `path`, to `text` (CRLF and LF count as the same): by blob id, or,
 * when the ids differ, by the blob's text.
 */
export async function commitHolds(
  root: string,
  head: HeadCommit,
  path: string,
  text: string,
): Promise<boolean> {
  const [only] = head.changed;
  if (head.changed.length !== 1 || only?.path !== path) return false;
  if (only.blob === blobId(text)) return true;
  // Another blob: line endings converted by an attribute are the one change allowed.
  const blob = await runGit(["cat-file", "blob", only.blob], root);
  const lf = (t: string) => t.replaceAll("\r\n", "\n");
  return blob.code === 0 && lf(blob.stdout) === lf(text);
}

/** Git's id of a blob holding `text` (SHA-1, as `git hash-object` computes it). */
function blobId(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
