/**
 * A rule key that is also a name every JavaScript object inherits (`constructor`; keys are
 * lower case, so it is the one) is a rule key like any other: approval checked it with `in`, found the inherited one in the
 * policy before, and refused every such proposal as "would change more than adding rule".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

Deno.test("a proposal whose rule key is an inherited object name is approved as any other", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const r = await store.submit({ ...putProposal(), ruleName: "constructor" });
    assert.ok(r.accepted, JSON.stringify(r));
    // Before: ProposalConflictError "would change more than adding rule".
    await store.approve(r.proposal.id, { approvedBy: "alice" });
    const text = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    assert.match(text, /^ {2}constructor:$/m);
  } finally {
    await repo.cleanup();
  }
});
