/**
 * The shape of a proposal id, checked before an id from outside touches a path, and the ids
 * of a state directory.
 *
 * @module
 */

const PROPOSAL_ID = /^p-\d{8}T\d{6}-[a-z0-9]{6}$/;

/**
 * True when `value` is a well-formed proposal id (`p-<UTC yyyymmddThhmmss>-<random6>`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isProposalId } from "./proposal_ids.ts";
 * assert(isProposalId("p-20260506T170204-ab12cd"));
 * assert(!isProposalId("../../etc/passwd"));
 * ```
 */
export function isProposalId(value: unknown): value is string {
  return typeof value === "string" && PROPOSAL_ID.test(value);
}

/**
 * The ids of the `<id>.patch` files in a state directory (unsorted; none when it is missing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proposalIdsIn } from "./proposal_ids.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/p-20260506T170204-ab12cd.patch`, "");
 * await Deno.writeTextFile(`${dir}/notes.patch`, "");
 * assert.deepEqual(await proposalIdsIn(dir), ["p-20260506T170204-ab12cd"]);
 * assert.deepEqual(await proposalIdsIn(`${dir}/missing`), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function proposalIdsIn(stateDir: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(stateDir)) {
      const id = entry.name.slice(0, -6);
      if (entry.isFile && entry.name.endsWith(".patch") && isProposalId(id)) ids.push(id);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return ids;
}
