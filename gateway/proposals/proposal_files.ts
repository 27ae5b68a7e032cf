/**
 * The proposal state directories of a policies directory: `pending/`, `approved/` and
 * `rejected/`, each holding `<id>.patch` files. A proposal's state is the directory its
 * file is in; moves between them are single renames.
 *
 * @module
 */

import { join } from "node:path";
import { isProposalId, proposalIdsIn } from "../listing/mod.ts";

/** A proposal's state, which is also the name of its directory. */
export type ProposalState = "pending" | "approved" | "rejected";

/** The three state directories, in lifecycle order. */
export const PROPOSAL_STATES: readonly ProposalState[] = ["pending", "approved", "rejected"];

/** One proposal file on disk. */
export interface ProposalFile {
  /** Proposal id. */
  id: string;
  /** Its state (its directory). */
  state: ProposalState;
  /** Path of the patch file. */
  path: string;
}

/**
 * Path of proposal `id` in state `state` (the id must already be validated).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proposalFilePath } from "./proposal_files.ts";
 * assert(proposalFilePath("/p", "pending", "p-1").endsWith("/p/pending/p-1.patch"));
 * ```
 */
export function proposalFilePath(dir: string, state: ProposalState, id: string): string {
  return join(dir, state, `${id}.patch`);
}

/**
 * Create the state directories when missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ensureStateDirs } from "./proposal_files.ts";
 * const dir = await Deno.makeTempDir();
 * await ensureStateDirs(dir);
 * assert((await Deno.stat(`${dir}/pending`)).isDirectory);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ensureStateDirs(dir: string): Promise<void> {
  for (const state of PROPOSAL_STATES) await Deno.mkdir(join(dir, state), { recursive: true });
}

/**
 * Find proposal `id` in any state directory (pending first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ensureStateDirs, findProposalFile } from "./proposal_files.ts";
 * const dir = await Deno.makeTempDir();
 * await ensureStateDirs(dir);
 * const id = "p-20260506T170204-ab12cd";
 * await Deno.writeTextFile(`${dir}/approved/${id}.patch`, "");
 * assert.equal((await findProposalFile(dir, id))?.state, "approved");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findProposalFile(dir: string, id: string): Promise<ProposalFile | undefined> {
  if (!isProposalId(id)) return undefined;
  for (const state of PROPOSAL_STATES) {
    const path = proposalFilePath(dir, state, id);
    try {
      await Deno.lstat(path);
      return { id, state, path };
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return undefined;
}

/**
 * Every proposal file (optionally of one state), sorted by id (creation time).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ensureStateDirs, listProposalFiles } from "./proposal_files.ts";
 * const dir = await Deno.makeTempDir();
 * await ensureStateDirs(dir);
 * await Deno.writeTextFile(`${dir}/pending/p-20260506T170204-ab12cd.patch`, "");
 * const pending = await listProposalFiles(dir, "pending");
 * assert.deepEqual(pending.map((f) => f.id), ["p-20260506T170204-ab12cd"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listProposalFiles(
  dir: string,
  state?: ProposalState,
): Promise<ProposalFile[]> {
  const out: ProposalFile[] = [];
  for (const s of state ? [state] : PROPOSAL_STATES) {
    const at = join(dir, s);
    const ids = await proposalIdsIn(at);
    // Plain string concatenation: join() per name was most of a 10,000-name listing.
    for (const id of ids) out.push({ id, state: s, path: `${at}/${id}.patch` });
  }
  return out.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
