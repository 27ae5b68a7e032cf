/**
 * A sandboxed command runs as its runner's user, and the kernel counts inotify instances per
 * user across namespaces: a hostile command can take them all. Another sandbox's `/wait` opened
 * meanwhile failed at once (its watch refused); now it re-checks every second instead.
 */
import assert from "node:assert/strict";
import { ProposalStore } from "../gateway/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

Deno.test("hostile wait: a /wait opened while the kernel refuses watches still ends at the decision", async () => {
  const repo = await makeRepo();
  const store = new ProposalStore({ policiesDir: repo.policies, waitRecheckMs: 60_000 });
  const real = Deno.watchFs;
  const controller = new AbortController();
  try {
    const r = await store.submit(putProposal());
    assert.ok(r.accepted, JSON.stringify(r));
    const refused = Promise.withResolvers<void>();
    Object.assign(Deno, {
      watchFs: () => {
        refused.resolve();
        throw new Error("Too many open files (os error 24)");
      },
    });
    const wait = store.wait(r.proposal.id, controller.signal);
    await refused.promise;
    Object.assign(Deno, { watchFs: real });
    // Decided by another store on the directory (no in-process notice reaches this one).
    await new ProposalStore({ policiesDir: repo.policies })
      .approve(r.proposal.id, { approvedBy: "alice" });
    const late = setTimeout(() => controller.abort(), 10_000);
    const decided = await wait.finally(() => clearTimeout(late));
    assert.equal(decided?.status, "approved");
  } finally {
    Object.assign(Deno, { watchFs: real });
    controller.abort();
    await repo.cleanup();
  }
});
