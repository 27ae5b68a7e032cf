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
 * older than its decision, both by the approving gateway's clock (remote retries, a slow disk).
 */
const SUBMIT_TO_APPROVAL_MS = 10 * 60_000;

/**
 * The most a gateway's clock may be behind another's and still not date its auto-approvals out
 * of that gateway's window. A patch whose decision is older than its arrival by more is history
 * (a new gateway's clone of the remote checks every approval ever made out at once), counted by
 * its decision alone.
 */
const MAX_CLOCK_SKEW_MS = 24 * 3_600_000;

/** The id stamp (`p-<stamp>-…`) of time `ms`, comparable as a string. */
function idStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").slice(0, 15);
}

/**
 * The approved patches' paths, by name only (the directory holds every approval ever made),
 * leaving out the names `skip` holds.
 */
async function approvedPaths(policiesDir: string, skip: Set<string>): Promise<string[]> {
  const dir = join(policiesDir, "approved");
  const paths: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const name = entry.name;
      if (skip.has(name) || !entry.isFile || !name.endsWith(".patch")) continue;
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
  /**
   * When it counts from (epoch ms): the later of its decision's stamp and when the file arrived
   * here (its mtime, this host's clock), so a gateway whose clock is behind (by up to
   * `MAX_CLOCK_SKEW_MS`) cannot date its approvals out of another gateway's window.
   */
  at: number;
}

function markKey(policy: string, sandbox: string | undefined): string {
  return `${policy}\u0000${sandbox ?? ""}`;
}

/**
 * The mark of the approved patch at `path`, null when it is no auto-approval, or undefined
 * when it cannot be read now.
 */
async function readMark(path: string, arrived: number): Promise<AutoMark | null | undefined> {
  const text = await Deno.readTextFile(path).catch(() => undefined);
  if (text === undefined) return undefined; // moved or removed meanwhile: read it next time
  try {
    const { meta } = parseProposalPatch(text);
    const d = meta.decision;
    if (d?.status !== "approved" || !d.by.startsWith("auto (")) return null;
    const decided = Date.parse(d.at);
    const at = arrived - decided <= MAX_CLOCK_SKEW_MS ? Math.max(decided, arrived) : decided;
    return { key: markKey(meta.policy, meta.sandbox), at };
  } catch {
    // Not a proposal patch, or one caught mid-write (a fetch checking files out): not counted,
    // and read again next time rather than remembered.
    return undefined;
  }
}

/** When the file at `path` arrived here (its mtime), or undefined when it is gone. */
async function arrivedAt(path: string): Promise<number | undefined> {
  const info = await Deno.stat(path).catch(() => undefined);
  return info?.mtime?.getTime() ?? info?.birthtime?.getTime() ?? (info ? 0 : undefined);
}

/** Approved patches stat'ed or read at once. */
const READ_BATCH = 64;

/** A patch that cannot count: neither its id nor its arrival is recent enough. */
const OLD = "old";

/**
 * The marks of the approved patches a store has read, by path: an approved patch does not
 * change, so each is read once, not on every count (2,000 approvals in the window from 100
 * sandboxes were 275-490 ms a count at load 32, read each time). A patch whose id and arrival
 * are both older than the window is only stat'ed, once, and remembered as old.
 */
export class AutoApprovalMemo {
  #marks = new Map<string, AutoMark | null>();
  // Names that cannot count again (an id and an arrival both older than a window that only
  // moves on): skipped before anything else is done with them.
  readonly #old = new Set<string>();

  /** The marks of the approved patches in `policiesDir` that may fall after `since`. */
  async marks(policiesDir: string, since: number): Promise<(AutoMark | null)[]> {
    const paths = await approvedPaths(policiesDir, this.#old);
    // Ids are stamped by the approving gateway's clock: a recent one is read without a stat.
    const from = idStamp(since - SUBMIT_TO_APPROVAL_MS);
    const unknown = paths.filter((path) => !this.#marks.has(path));
    // Read in batches: the first count after a start stats every approval ever made.
    const read = new Map<string, AutoMark | null | typeof OLD | undefined>();
    for (let i = 0; i < unknown.length; i += READ_BATCH) {
      const batch = unknown.slice(i, i + READ_BATCH);
      const marks = await Promise.all(batch.map((path) => this.#read(path, from, since)));
      batch.forEach((path, k) => read.set(path, marks[k]));
    }
    const next = new Map<string, AutoMark | null>();
    for (const path of paths) {
      const mark = this.#marks.has(path) ? this.#marks.get(path) : read.get(path);
      if (mark === OLD) this.#old.add(path.slice(path.lastIndexOf("/") + 1));
      else if (mark !== undefined) next.set(path, mark);
    }
    this.#marks = next;
    return [...next.values()];
  }

  async #read(path: string, from: string, since: number) {
    const arrived = await arrivedAt(path);
    if (arrived === undefined) return undefined;
    const name = path.slice(path.lastIndexOf("/") + 1);
    const stamp = name.slice(2, 17);
    const history = stamp < idStamp(arrived - MAX_CLOCK_SKEW_MS - SUBMIT_TO_APPROVAL_MS);
    if (stamp < from && (arrived <= since || history)) return OLD;
    return await readMark(path, arrived);
  }
}

/**
 * How many proposals of `who` were approved without a person in the window ending at `now`
 * (epoch ms), read from `approved/`. A patch counts from the later of its decision and its
 * arrival here; only patches whose id or arrival is recent enough are read, and with a `memo`
 * each only once.
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
  const key = markKey(who.policy, who.sandbox);
  const marks = await memo.marks(policiesDir, since);
  return marks.filter((m) => m?.key === key && m.at > since).length;
}
