/**
 * Hostile tests of a proposal flood (issue #12 item 11): one patch per rule, a pending cap and
 * an operations cap, deduplication per sandbox, so what one agent floods never fills or
 * reaches another sandbox's store.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { putProposal } from "./gateway_fixtures.ts";
import { withProposalDesk } from "./support/mod.ts";

function distinctRule(i: number) {
  const input = putProposal();
  input.ruleName = `rule_${i}`;
  input.rule.endpoints[0]!.rules = [{
    allow: { method: "PUT", path: `/repos/o/r/contents/f${i}` },
  }];
  return input.rule;
}

Deno.test("hostile #11: a proposal flood makes one patch per rule, at most 20 pending, 10 operations a request", async () => {
  await withProposalDesk(async ({ repo, post: postBody }) => {
    const post = (operations: unknown[]) => postBody({ intent_summary: "flood", operations });
    const same = putProposal().rule;
    const ops = (n: number, rule: (i: number) => unknown) =>
      Array.from({ length: n }, (_, i) => ({ addRule: { ruleName: `same_${i}`, rule: rule(i) } }));
    const tooMany = await post(ops(20, () => same));
    assert.equal(tooMany.status, 400);
    assert.match((await tooMany.json()).detail, /at most 10 are accepted/);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(ops(10, () => same))));
    const ids = new Set<string>();
    for (const answer of answers) {
      assert.equal(answer.status, 202);
      for (const id of (await answer.json()).accepted_chunk_ids) ids.add(id);
    }
    const pending = async () =>
      (await Array.fromAsync(Deno.readDir(join(repo.policies, "pending"))))
        .filter((e) => e.name.endsWith(".patch")).length;
    assert.equal(ids.size, 1);
    assert.equal(await pending(), 1);
    for (let i = 0; i < 19; i++) {
      assert.equal((await post(ops(1, () => distinctRule(i)))).status, 202);
    }
    assert.equal(await pending(), 20);
    const refused = await post(ops(1, () => distinctRule(99)));
    assert.equal(refused.status, 429);
    const body = await refused.json();
    assert.equal(body.error, "too_many_pending");
    assert.match(body.detail, /already has 20 pending proposals/);
    assert.equal(await pending(), 20);
  });
});

Deno.test("hostile #11: deduplication and the pending cap are per sandbox, so one sandbox never gets another's proposal id", async () => {
  await withProposalDesk({ maxPendingPerSandbox: 1 }, async ({ policyLocal }) => {
    const propose = async (sandboxId: string, rule: unknown) => {
      const app = policyLocal(sandboxId);
      const operations = [{ addRule: { ruleName: "same", rule } }];
      const answer = await app.request("http://policy.local/v1/proposals", {
        method: "POST",
        body: JSON.stringify({ intent_summary: "same rule", operations }),
      });
      return { app, answer };
    };
    const rule = putProposal().rule;
    const a = await propose("sb-a", rule);
    const b = await propose("sb-b", rule);
    assert.equal(a.answer.status, 202);
    assert.equal(b.answer.status, 202, "sb-a's pending proposal does not fill sb-b's quota");
    const [idA] = (await a.answer.json()).accepted_chunk_ids;
    const [idB] = (await b.answer.json()).accepted_chunk_ids;
    assert.notEqual(idA, idB);
    const readBack = await b.app.request(`http://policy.local/v1/proposals/${idB}`);
    assert.equal(readBack.status, 200, "a sandbox can read the id it was given");
    assert.equal(
      (await propose("sb-a", rule)).answer.status,
      202,
      "the same rule again is the same id",
    );
    assert.equal((await propose("sb-a", distinctRule(1))).answer.status, 429);
  });
});
