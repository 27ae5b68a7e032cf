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

/** What an approved patch says for the cap: whose auto-approval it was, and when. */
export interface AutoMark {
  /** The policy and sandbox, as one key (see `markKey`). */
  key: string;
  /** When it was approved (epoch ms). */
  at: number;
}

function markKey(policy: string, sandbox: string | undefined): string {
  return `${policy}\u0000${sandbox ?? ""}`;
}

/**
 * The mark of the approved patch at `path`, null when it is no auto-approval, or undefined
 * when it cannot be read now.
 */
async function readMark(path: string): Promise<AutoMark | null | undefined> {
  const text = await Deno.readTextFile(path).catch(() => undefined);
  if (text === undefined) return undefined; // moved or removed meanwhile: read it next time
  try {
    const { meta } = parseProposalPatch(text);
    const d = meta.decision;
    if (d?.status !== "approved" || !d.by.startsWith("auto (")) return null;
    return { key: markKey(meta.policy, meta.sandbox), at: Date.parse(d.at) };
  } catch {
    // Not a proposal patch, or one caught mid-write (a fetch checking files out): not counted,
    // and read again next time rather than remembered.
    return undefined;
  }
}

/**
 * The marks of the recent approved patches a store has read, by path: an approved patch does
 * not change, so each is read once, not on every count (2,000 approvals in the window from 100
 * sandboxes were 275-490 ms a count at load 32, read each time). Holds the window's only.
 */
export class AutoApprovalMemo {
  #marks = new Map<string, AutoMark | null>();

  /** The marks of `paths`, reading only those not seen before; forgets the others. */
  async marks(paths: string[]): Promise<(AutoMark | null)[]> {
    const next = new Map<string, AutoMark | null>();
    for (const path of paths) {
      const known = this.#marks.get(path);
      const mark = known !== undefined ? known : await readMark(path);
      if (mark !== undefined) next.set(path, mark);
    }
    this.#marks = next;
    return [...next.values()];
  }
}

/**
 * How many proposals of `who` were approved without a person in the window ending at `now`
 * (epoch ms), read from `approved/`. Only patches whose id is recent enough are read, and
 * with a `memo` each of those only once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AutoApprovalMemo, recentAutoApprovals } from "./auto_approval_count.ts";
 * const dir = await Deno.makeTempDir();
 * const who = { policy: "team", sandbox: "sb-1" };
 * assert.equal(await recentAutoApprovals(dir, who, Date.now()), 0);
 * assert.equal(await recentAutoApprovals(dir, who, Date.now(), new AutoApprovalMemo()), 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function recentAutoApprovals(
  policiesDir: string,
  who: Proposer,
  now: number,
  memo: AutoApprovalMemo = new AutoApprovalMemo(),
): Promise<number> {
  const since = now - AUTO_APPROVAL_WINDOW_MS;
  const paths = await recentApproved(policiesDir, idStamp(since - SUBMIT_TO_APPROVAL_MS));
  const key = markKey(who.policy, who.sandbox);
  return (await memo.marks(paths)).filter((m) => m?.key === key && m.at > since).length;
}
