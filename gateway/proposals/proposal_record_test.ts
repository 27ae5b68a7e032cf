import assert from "node:assert/strict";
import { ProposalStore } from "../mod.ts";
import { makeRepo, putProposal } from "../../tests/gateway_fixtures.ts";

// The cause of the flaky end-to-end rejection test (#13/#14 item 4): the agent's `/wait` read
// the proposal's state while the reviewer's rejection renamed its file, and answered 500.
Deno.test("ProposalStore.status() of a proposal being rejected is pending or rejected, never an error", async () => {
  const repo = await makeRepo();
  try {
    const reviewer = new ProposalStore({ policiesDir: repo.policies });
    const agent = new ProposalStore({ policiesDir: repo.policies });
    const seen: string[] = [];
    for (let i = 0; i < 25; i++) {
      const submitted = await reviewer.submit({ ...putProposal(), ruleName: `rule_${i}` });
      assert.ok(submitted.accepted);
      const { id } = submitted.proposal;
      let decided = false;
      const poll = async () => {
        while (!decided) {
          const state = await agent.status(id).catch((e: Error) => `error: ${e.message}`);
          const shown = typeof state === "string" ? state : state?.status ?? "unknown";
          if (shown !== "pending") seen.push(shown);
          if (shown === "rejected") decided = true;
        }
      };
      const pollers = Promise.all([poll(), poll(), poll()]);
      await reviewer.reject(id, { reason: "no" });
      await pollers;
    }
    assert.deepEqual(seen.filter((s) => s !== "rejected"), []);
  } finally {
    await repo.cleanup();
  }
});
