/**
 * Waiting for a proposal's decision without polling in a loop: a file watch on the decided
 * state directories and in-process change notices wake the check; a slow timer re-checks in
 * case a watch event is lost, reading the status only when a folder a decision changes has been
 * modified since the last read (a sandbox holds 20 waits, each up to 300 s: re-reading each one's
 * patch, seal and candidate every few seconds cost a gateway 3 % of a core per 100 held waits).
 *
 * @module
 */

import type { ProposalStatus } from "../../proxy/policy_local/mod.ts";
import type { StoreChange } from "./store_env.ts";

/** What `waitForDecision` needs. */
export interface WaitOptions {
  /** The proposal waited for. */
  id: string;
  /** Ends the wait early (the agent hung up, the wait timed out). */
  signal: AbortSignal;
  /** The proposal's status now (undefined when unknown). */
  status(): Promise<ProposalStatus | undefined>;
  /** Directories whose changes may mean the decision (`approved/`, `rejected/`). */
  watchDirs: string[];
  /** Listen to the store's own changes; returns the unsubscribe function. */
  subscribe(listener: (change: StoreChange) => void): () => void;
  /** Check the status this often in ms even when nothing was seen to change. */
  recheckMs: number;
  /**
   * Folders a decision modifies (the decided ones and `pending/`): the slow re-check reads the
   * status only when one of them was modified since the last read. Defaults to `watchDirs`.
   */
  recheckDirs?: string[];
}

/** A modification this recent may share its time stamp with a later one: it is read again. */
const COARSE_MTIME_MS = 2_000;

/**
 * A stamp of `dirs` (their modification times), or undefined when one of them was modified
 * within the last {@linkcode COARSE_MTIME_MS} or cannot be read: the status must then be read.
 */
async function folderStamp(dirs: string[]): Promise<string | undefined> {
  try {
    const times = await Promise.all(dirs.map(async (d) => (await Deno.stat(d)).mtime));
    const now = Date.now();
    if (times.some((t) => t === null || now - t.getTime() < COARSE_MTIME_MS)) return undefined;
    return times.map((t) => t!.getTime()).join(",");
  } catch {
    return undefined;
  }
}

/** How often a wait re-checks when the kernel refused its watch (the check is a stamp, cheap). */
const UNWATCHED_MS = 1_000;

/**
 * A watch of `dirs`, or undefined when the kernel refuses one: inotify instances are counted per
 * user across namespaces, and a sandboxed command runs as its runner's user, so it can take them
 * all; another sandbox's wait then re-checks more often instead of failing.
 */
function watchOrNone(dirs: string[]): Deno.FsWatcher | undefined {
  try {
    return Deno.watchFs(dirs, { recursive: false });
  } catch {
    return undefined;
  }
}

/**
 * Resolve with the proposal's status once it is no longer pending (or unknown), or with its
 * current status when `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { waitForDecision } from "./wait_for_decision.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const decided = waitForDecision({
 *   id,
 *   signal: AbortSignal.timeout(30_000),
 *   status: () => store.status(id),
 *   watchDirs: [`${dir}/approved`, `${dir}/rejected`],
 *   subscribe: (listener) => store.subscribe(listener),
 *   recheckMs: 5_000,
 * });
 * await store.reject(id, { reason: "too broad" });
 * assert.equal((await decided)?.status, "rejected");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function waitForDecision(o: WaitOptions): Promise<ProposalStatus | undefined> {
  return new Promise((resolve, reject) => {
    let done = false;
    let checking = false;
    let again = false;
    let stamp: string | undefined;
    const watcher = watchOrNone(o.watchDirs);
    const finish = (status: ProposalStatus | undefined, error?: unknown) => {
      if (done) return;
      done = true;
      watcher?.close();
      clearInterval(timer);
      unsubscribe();
      o.signal.removeEventListener("abort", check);
      if (error === undefined) resolve(status);
      else reject(error);
    };
    const check = async (): Promise<void> => {
      if (done) return;
      if (checking) return void (again = true);
      checking = true;
      try {
        // Taken before the read: a decision made during it changes the stamp for the next.
        stamp = await folderStamp(o.recheckDirs ?? o.watchDirs);
        const status = await o.status();
        if (!status || status.status !== "pending" || o.signal.aborted) finish(status);
      } catch (error) {
        finish(undefined, error);
      } finally {
        checking = false;
      }
      if (again) {
        again = false;
        await check();
      }
    };
    const recheck = async (): Promise<void> => {
      if (done || checking || stamp === undefined) return void check();
      if (await folderStamp(o.recheckDirs ?? o.watchDirs) !== stamp) await check();
    };
    const timer = setInterval(recheck, watcher ? o.recheckMs : Math.min(o.recheckMs, UNWATCHED_MS));
    const unsubscribe = o.subscribe((c) => {
      if (c.kind === "proposal" && c.id === o.id) void check();
    });
    o.signal.addEventListener("abort", check);
    void (async () => {
      if (!watcher) return;
      try {
        for await (const event of watcher) {
          if (event.paths.some((p) => p.includes(o.id))) void check();
        }
      } catch {
        // The watch ended with the wait.
      }
    })();
    void check();
  });
}
