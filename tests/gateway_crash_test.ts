import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { type ApproveStep, ProposalStore } from "../gateway/mod.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { APPROVE_STEPS, killAt } from "./crash_fixtures.ts";
import {
  makeRepo,
  putProposal,
  runTollgate,
  TEAM_POLICY,
  type TempRepo,
} from "./gateway_fixtures.ts";

async function submittedIds(policies: string, n: number): Promise<string[]> {
  const store = new ProposalStore({ policiesDir: policies });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const input = putProposal();
    input.ruleName = `rule_${i}`;
    input.rule.endpoints[0]!.rules = [{
      allow: { method: "PUT", path: `/repos/o/r/contents/f${i}.md` },
    }];
    const result = await store.submit(input);
    assert.ok(result.accepted);
    ids.push(result.proposal.id);
  }
  return ids;
}

async function statesOf(policies: string, id: string): Promise<string[]> {
  const found: string[] = [];
  for (const state of ["pending", "approved", "rejected"]) {
    if (await Deno.stat(join(policies, state, `${id}.patch`)).then(() => true, () => false)) {
      found.push(state);
    }
  }
  return found;
}

Deno.test("approvals from two processes at once never lose an update", async () => {
  const repo = await makeRepo();
  try {
    const [a, b, c] = await submittedIds(repo.policies, 3);
    const results = await Promise.all([
      runTollgate(["proposals", "approve", a!], { cwd: repo.root }),
      runTollgate(["proposals", "approve", b!], { cwd: repo.root }),
      new ProposalStore({ policiesDir: repo.policies }).approve(c!, { approvedBy: "in-process" }),
    ]);
    for (const r of results.slice(0, 2)) {
      assert.equal((r as { code: number }).code, 0, JSON.stringify(r));
    }
    const text = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    const policy = parse(text);
    assert.equal(loadPolicyText(text, "team.yaml").policy.revision, 6);
    assert.deepEqual(Object.keys(policy.network_policies).sort(), [
      "gh_ro",
      "rule_0",
      "rule_1",
      "rule_2",
    ]);
    const revisions = (await repo.git("log", "--format=%(trailers:key=Policy-Revision,valueonly)"))
      .split("\n").filter((l) => l.trim() !== "").map(Number).sort();
    assert.deepEqual(revisions, [4, 5, 6]);
  } finally {
    await repo.cleanup();
  }
});

/** Start a real approving process, wait until it pauses before `step`, SIGKILL it. */
function killApproveAt(repo: TempRepo, id: string, step: ApproveStep): Promise<void> {
  const main = new URL("../main.ts", import.meta.url).pathname;
  return killAt([main, "proposals", "approve", id, "--approved-by", "killed"], repo.root, step);
}

async function assertConsistent(repo: TempRepo, id: string, step: ApproveStep): Promise<void> {
  const text = await Deno.readTextFile(join(repo.policies, "team.yaml"));
  const applied = text.includes(`# tollgate proposal ${id}`);
  if (!applied) assert.equal(text, TEAM_POLICY, `${step}: old policy, byte for byte`);
  else assert.equal(loadPolicyText(text, "team.yaml").policy.revision, 4, `${step}: new policy`);
  assert.equal((await statesOf(repo.policies, id)).length, 1, `${step}: one state directory`);
  // The next operation finishes an interrupted approval.
  const store = new ProposalStore({ policiesDir: repo.policies });
  const status = await store.status(id);
  assert.equal(status?.status, applied ? "approved" : "pending", step);
  if (applied) {
    assert.equal((await repo.git("status", "--porcelain")).includes("team.yaml"), false, step);
    assert.match(await repo.git("log", "-1", "--format=%B"), new RegExp(`Proposal-Id: ${id}`));
  } else {
    assert.equal((await store.approve(id, { approvedBy: "again" })).revision, 4, step);
  }
  const leftovers = [...Deno.readDirSync(repo.policies)].filter((e) => e.name.endsWith(".tmp"));
  assert.deepEqual(leftovers, [], step);
}

Deno.test("a kill at any approval step leaves the old or the new policy and one state", async () => {
  const repos = await Promise.all(APPROVE_STEPS.map(() => makeRepo()));
  try {
    const ids = await Promise.all(repos.map(async (r) => (await submittedIds(r.policies, 1))[0]!));
    await Promise.all(APPROVE_STEPS.map((step, i) => killApproveAt(repos[i]!, ids[i]!, step)));
    for (const [i, step] of APPROVE_STEPS.entries()) {
      await assertConsistent(repos[i]!, ids[i]!, step);
    }
  } finally {
    await Promise.all(repos.map((r) => r.cleanup()));
  }
});
