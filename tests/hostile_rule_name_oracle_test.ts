/**
 * The rule-name oracle: a sandbox's proposal named like a rule already in the policy comes back
 * as `name_2`. Since `/v1/policy/current` hides other sandboxes' session rules and the once
 * rules they proposed, that rename told an agent that another sandbox had been granted a rule of
 * that name (and, name by name, what it was called). Now a rule bound to one sandbox (session,
 * or once for the sandbox that proposed it) is written at approval under `<key>__<id tail>`, a
 * key no proposal's name can take (a proposed name never holds `__`), so the name an agent gets
 * depends on the rules it can see alone.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { appliedPendingIds } from "../gateway/approval/mod.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { parseRuleLeases } from "../proxy/policy/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

function proposal(sandbox: string, path: string) {
  const p = putProposal();
  const rule = structuredClone(p.rule);
  rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path } }];
  return { ...p, ruleName: "notes", rule, sandbox };
}

for (const scope of ["session", "once"] as const) {
  Deno.test(`hostile rule names: another sandbox's ${scope} rule does not rename this sandbox's proposal`, async () => {
    const repo = await makeRepo();
    try {
      const store = new ProposalStore({ policiesDir: repo.policies });
      const theirs = await store.submit(proposal("sb-other", "/repos/o/secret/contents/a"));
      assert.ok(theirs.accepted, JSON.stringify(theirs));
      await store.approve(theirs.proposal.id, { approvedBy: "alice", scope: { scope } });
      const text = await Deno.readTextFile(join(repo.policies, "team.yaml"));
      // Its key, as the file holds it, is the one its own state names (what /wait looks for).
      const key = (await store.status(theirs.proposal.id))!.ruleName;
      assert.match(key, /^notes__[a-z0-9]+$/);
      assert.equal(parseRuleLeases(text).get(key)?.sandbox, "sb-other");
      const mine = await store.submit(proposal("sb-me", "/repos/o/r/contents/b"));
      assert.ok(mine.accepted, JSON.stringify(mine));
      // Before: "notes_2".
      assert.equal((await store.status(mine.proposal.id))!.ruleName, "notes");
      await store.approve(mine.proposal.id, { approvedBy: "alice" });
      assert.match(await Deno.readTextFile(join(repo.policies, "team.yaml")), /^ {2}notes:$/m);
    } finally {
      await repo.cleanup();
    }
  });
}

Deno.test("hostile rule names: a crash after a session rule's policy write is still recovered as applied", async () => {
  const repo = await makeRepo();
  try {
    const crash = (step: string) =>
      step === "commit" ? Promise.reject(new Error("crash")) : Promise.resolve();
    const store = new ProposalStore({ policiesDir: repo.policies, beforeStep: crash });
    const r = await store.submit(proposal("sb-other", "/repos/o/r/contents/c"));
    assert.ok(r.accepted, JSON.stringify(r));
    await assert.rejects(
      store.approve(r.proposal.id, { approvedBy: "alice", scope: { scope: "session" } }),
      /crash/,
    );
    assert.deepEqual(await appliedPendingIds(repo.policies), [r.proposal.id]);
    const after = new ProposalStore({ policiesDir: repo.policies });
    assert.equal((await after.status(r.proposal.id))?.status, "approved");
  } finally {
    await repo.cleanup();
  }
});
