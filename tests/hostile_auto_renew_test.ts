/**
 * A hostile agent against auto-approval as a way to grow the shared policy. Each auto-approval
 * is a rule, a commit and a reload pushed to every proxy of the policy. Before, the same rule
 * resubmitted was approved again every time (a live lease did not count as granting it), and
 * a loop of distinct fitting rules was approved without bound: 30 submits made 30 rules. Now a
 * rule that live rules already grant waits for a person, and a sandbox gets at most 20
 * auto-approvals an hour; past that its proposals wait for a person, other sandboxes' do not.
 */
import assert from "node:assert/strict";
import { ProposalStore } from "../gateway/mod.ts";
import { putProposal } from "./gateway_fixtures.ts";
import { autoApproveRepo } from "./automation_fixtures.ts";
import type { TempRepo } from "./gateway_fixtures.ts";

async function withAutoStore(fn: (store: ProposalStore, repo: TempRepo) => Promise<void>) {
  const repo = await autoApproveRepo();
  try {
    await fn(new ProposalStore({ policiesDir: repo.policies }), repo);
  } finally {
    await repo.cleanup();
  }
}

function put(path: string, sandbox: string, ruleName = "put_file") {
  const input = { ...putProposal("write a file"), ruleName, sandbox };
  input.rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path } }];
  return input;
}

async function leasedRules(repo: TempRepo): Promise<number> {
  const text = await Deno.readTextFile(`${repo.policies}/team.yaml`);
  return (text.match(/# tollgate lease/g) ?? []).length;
}

Deno.test("hostile auto-renew: the same rule resubmitted under a live lease waits for a person", () =>
  withAutoStore(async (store, repo) => {
    const states: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await store.submit(put("/repos/o/r/contents/x.md", "sb-a"));
      assert.ok(r.accepted, JSON.stringify(r));
      states.push(r.proposal.status);
    }
    assert.deepEqual(states, ["approved", "pending", "pending", "pending", "pending"]);
    assert.equal(await leasedRules(repo), 1);
  }));

Deno.test("hostile auto-renew: a sandbox gets at most 20 auto-approvals an hour; another still gets its own", () =>
  withAutoStore(async (store, repo) => {
    let approved = 0;
    for (let i = 0; i < 24; i++) {
      const r = await store.submit(put(`/repos/o/r/contents/f${i}`, "sb-a", `put_${i}`));
      assert.ok(r.accepted, JSON.stringify(r));
      if (r.proposal.status === "approved") approved++;
    }
    assert.equal(approved, 20);
    assert.equal(await leasedRules(repo), 20);
    const other = await store.submit(put("/repos/o/r/contents/other", "sb-b"));
    assert.ok(other.accepted && other.proposal.status === "approved", JSON.stringify(other));
  }));
