/**
 * Issue #15 items 4-6, second round: the per-sandbox pending index migrates proposals made
 * before it existed, a large reload ships a compact form from its worker and compiles each host
 * on first use, and the proposals list reads its rows from an index. Nothing here asserts speed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

/** A distinct narrow proposal from `sandbox` (rule `n`). */
function proposal(n: number, sandbox: string): ProposalInput {
  const input = putProposal();
  input.ruleName = `rule_${n}`;
  input.rule = {
    endpoints: [{ host: `h${n}.example.com`, port: 443, protocol: "rest", access: "read-only" }],
    binaries: [{ path: "/usr/bin/curl" }],
  };
  return { ...input, sandbox };
}

Deno.test("hostile #15.5: proposals made before the per-sandbox index still count toward its cap and dedupe", async () => {
  const repo = await makeRepo();
  try {
    const older = new ProposalStore({ policiesDir: repo.policies, maxPendingPerSandbox: 2 });
    const first = await older.submit(proposal(1, "sb-a"));
    const second = await older.submit(proposal(2, "sb-a"));
    assert.ok(first.accepted && second.accepted);
    // A store from before the index wrote seals and patches only.
    await Deno.remove(join(repo.policies, "pending", ".index", "sandbox"), { recursive: true });
    const store = new ProposalStore({ policiesDir: repo.policies, maxPendingPerSandbox: 2 });
    const again = await store.submit(proposal(1, "sb-a"));
    assert.ok(again.accepted && again.proposal.id === first.proposal.id, "deduplicated");
    const full = await store.submit(proposal(3, "sb-a"));
    assert.ok(!full.accepted && full.code === "too_many_pending", "the old ones fill the cap");
    assert.ok((await store.submit(proposal(3, "sb-b"))).accepted, "another sandbox is not full");
  } finally {
    await repo.cleanup();
  }
});
