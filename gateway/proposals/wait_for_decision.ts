/**
 * Waiting for a proposal's decision without polling in a loop: a file watch on the decided
 * state directories and in-process change notices wake the check; a slow timer re-checks in
 * case a watch event is lost.
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
    const watcher = Deno.watchFs(o.watchDirs, { recursive: false });
    const finish = (status: ProposalStatus | undefined, error?: unknown) => {
      if (done) return;
      done = true;
      watcher.close();
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
    const timer = setInterval(check, o.recheckMs);
    const unsubscribe = o.subscribe((c) => {
      if (c.kind === "proposal" && c.id === o.id) void check();
    });
    o.signal.addEventListener("abort", check);
    void (async () => {
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
