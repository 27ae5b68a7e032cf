/**
 * The auto-approval cap (`AUTO_APPROVALS_PER_HOUR` per sandbox and policy), counted from what
 * is durable: the approved patches whose decision says `auto (…)` and names the sandbox. A
 * count in the gateway's memory started afresh on a restart and on every other gateway sharing
 * the remote (whose approved patches arrive by fetch), so a hostile agent got the cap once per
 * gateway and once per restart.
 *
 * @module
 */

import { join } from "node:path";
import { isProposalId } from "../listing/mod.ts";
import { parseProposalPatch } from "./parse_proposal_patch.ts";
import type { Proposer } from "./ceiling_refusals.ts";

/** Auto-approvals one sandbox may get within an hour; then a person decides. */
export const AUTO_APPROVALS_PER_HOUR = 20;
/** The window the cap counts over. */
export const AUTO_APPROVAL_WINDOW_MS = 3_600_000;
/**
 * An auto-approval is made inside its submit, so its id (stamped at submit) is at most this much
 * older than the approval (remote retries, a slow disk): older ids need not be read.
 */
const SUBMIT_TO_APPROVAL_MS = 10 * 60_000;

/** The id stamp (`p-<stamp>-…`) of time `ms`, comparable as a string. */
function idStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").slice(0, 15);
}

/**
 * The approved patches whose id is at or after `from` (an id stamp): one pass over the names,
 * none of them checked further or sorted unless recent (the directory holds every approval ever
 * made: 10,000 names were read in 10-60 ms at load 10, most of it the directory itself).
 */
async function recentApproved(policiesDir: string, from: string): Promise<string[]> {
  const dir = join(policiesDir, "approved");
  const paths: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const name = entry.name;
      if (name.slice(2, 17) < from || !entry.isFile || !name.endsWith(".patch")) continue;
      if (isProposalId(name.slice(0, -6))) paths.push(`${dir}/${name}`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return paths;
}

/**
 * How many proposals of `who` were approved without a person in the window ending at `now`
 * (epoch ms), read from `approved/`. Only patches whose id is recent enough are read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recentAutoApprovals } from "./auto_approval_count.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await recentAutoApprovals(dir, { policy: "team", sandbox: "sb-1" }, Date.now()), 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function recentAutoApprovals(
  policiesDir: string,
  who: Proposer,
  now: number,
): Promise<number> {
  const since = now - AUTO_APPROVAL_WINDOW_MS;
  let count = 0;
  for (const path of await recentApproved(policiesDir, idStamp(since - SUBMIT_TO_APPROVAL_MS))) {
    const text = await Deno.readTextFile(path).catch(() => undefined);
    if (text === undefined) continue; // moved or removed meanwhile
    let meta;
    try {
      meta = parseProposalPatch(text).meta;
    } catch {
      continue; // not a proposal patch: not an approval either
    }
    const d = meta.decision;
    if (d?.status !== "approved" || !d.by.startsWith("auto (")) continue;
    if (meta.policy !== who.policy || meta.sandbox !== who.sandbox) continue;
    if (Date.parse(d.at) > since) count++;
  }
  return count;
}
