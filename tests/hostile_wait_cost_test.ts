/**
 * `/wait` held open: policy.local lets a sandbox hold 20 at once, and the gateway keeps each one
 * for up to 300 s. Each held wait re-read its proposal's status (the patch file, the seal, the
 * candidate policy) every 5 s whether or not anything had changed: a real gateway spent 310 ms
 * of CPU per 10 s on 5 sandboxes' 100 held waits (10 ms idle), so every 100 more cost about 3 % of
 * a core, for nothing. Now the slow re-check (kept for a lost watch event) first compares the
 * decision folders' modification times and reads nothing while they stand still; a decision still
 * ends every wait.
 */
import assert from "node:assert/strict";
import { ProposalStore } from "../gateway/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

Deno.test("hostile wait cost: held waits read no status while nothing changes, and a decision still ends them", async () => {
  const repo = await makeRepo();
  const store = new ProposalStore({ policiesDir: repo.policies, waitRecheckMs: 25 });
  const controller = new AbortController();
  try {
    const r = await store.submit(putProposal());
    assert.ok(r.accepted, JSON.stringify(r));
    const id = r.proposal.id;
    let reads = 0;
    const status = store.status.bind(store);
    store.status = (x: string) => {
      reads++;
      return status(x);
    };
    const waits = Array.from({ length: 20 }, () => store.wait(id, controller.signal));
    // A folder modified in the last 2 s is read again (its time stamp may be coarse).
    await new Promise((done) => setTimeout(done, 2_500));
    reads = 0;
    await new Promise((done) => setTimeout(done, 1_500));
    // Before: about 20 × 60 re-reads (one per wait every 25 ms); now none.
    assert.equal(reads, 0, `${reads} status reads while nothing changed`);
    // Decided by another store on the directory (no in-process notice reaches this one).
    await new ProposalStore({ policiesDir: repo.policies })
      .approve(id, { approvedBy: "alice" });
    const decided = await Promise.all(waits);
    assert.deepEqual(new Set(decided.map((s) => s?.status)), new Set(["approved"]));
  } finally {
    controller.abort();
    await repo.cleanup();
  }
});
