/**
 * The pending proposals of a policies directory listed from their seals alone, for a command
 * that must start fast (`tollgate proposals list`): no YAML parsed, no patch read. It answers
 * only when that is the whole truth, and otherwise says "read them whole" (undefined).
 *
 * @module
 */

import type { ListedProposal } from "./listed_proposal.ts";
import { proposalIdsIn } from "./proposal_ids.ts";
import { readSealedListings, type SealedListingOptions } from "./sealed_listings.ts";

/**
 * Every pending proposal of `dir`, oldest first, from the seals; undefined when some proposal
 * must be read whole: a seal without a listing, findings computed on another policy or
 * ceiling text, or an approval to finish (some policy file carries a pending proposal's
 * marker, so recovery has work to do first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quickPendingList } from "./quick_pending_list.ts";
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual(await quickPendingList(dir), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function quickPendingList(
  dir: string,
  options: SealedListingOptions = {},
): Promise<ListedProposal[] | undefined> {
  const ids = (await proposalIdsIn(`${dir}/pending`)).sort();
  if (ids.length === 0) return [];
  if (await anyMarked(dir, new Set(ids))) return undefined;
  const listed = await readSealedListings(dir, ids, options);
  const out: ListedProposal[] = [];
  for (const id of ids) {
    const found = listed.get(id);
    if (!found?.current) return undefined;
    out.push(found.proposal);
  }
  return out;
}

/** Some policy file holds the approval marker of one of `ids` (every approval writes it). */
async function anyMarked(dir: string, ids: ReadonlySet<string>): Promise<boolean> {
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".yaml")) continue;
    const text = await Deno.readTextFile(`${dir}/${entry.name}`).catch(() => "");
    for (const match of text.matchAll(/# tollgate proposal (p-[0-9T]+-[a-z0-9]+)/g)) {
      if (ids.has(match[1]!)) return true;
    }
  }
  return false;
}
