/**
 * #17 crash safety: a kill at any step of an auto-approval, or of a lease's clean-up commit,
 * leaves the old or the new policy, and the next operation leaves Git and the proposal states
 * consistent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { listProposalFiles } from "../gateway/proposals/proposal_files.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { TEAM_POLICY, type TempRepo } from "./gateway_fixtures.ts";
import { autoApproveRepo, scopedRepo, scopedRule } from "./automation_fixtures.ts";
import { APPROVE_STEPS, killAt } from "./crash_fixtures.ts";

const CHILD = new URL("./support/auto_submit_child.ts", import.meta.url).pathname;

async function assertAutoConsistent(repo: TempRepo, step: string): Promise<void> {
  const text = await Deno.readTextFile(join(repo.policies, "team.yaml"));
  const [file] = await listProposalFiles(repo.policies);
  assert.ok(file, `${step}: the proposal was stored`);
  const applied = text.includes("gh_contents_write:");
  if (!applied) assert.equal(text, TEAM_POLICY, `${step}: old policy, byte for byte`);
  else {
    assert.equal(loadPolicyText(text, "team.yaml").policy.revision, 4, step);
    assert.match(
      text,
      /# tollgate lease scope=lease expires=\S+ proposal=\S+\n\s+gh_contents_write:/,
    );
  }
  // The next operation finishes an interrupted approval; one never started waits for a person.
  const store = new ProposalStore({ policiesDir: repo.policies });
  const status = await store.status(file.id);
  assert.equal(status?.status, applied ? "approved" : "pending", step);
  if (applied) {
    assert.doesNotMatch(await repo.git("status", "--porcelain"), /team\.yaml/, step);
    const log = await repo.git("log", "-1", "--format=%B");
    assert.match(log, /Approved-By: auto \(repo_contents\)/, step);
    assert.match(log, /Scope: lease\nExpires: \S+/, step);
    assert.match(log, new RegExp(`Proposal-Id: ${file.id}`), step);
  }
  const files = await listProposalFiles(repo.policies);
  assert.equal(files.length, 1, `${step}: one state directory`);
}

Deno.test("automation #17 crash: a kill at any step of an auto-approval leaves the old or the new policy, and Git follows", async () => {
  const repos = await Promise.all(APPROVE_STEPS.map(() => autoApproveRepo()));
  try {
    await Promise.all(
      APPROVE_STEPS.map((step, i) =>
        killAt([CHILD, repos[i]!.policies, step], repos[i]!.root, step)
      ),
    );
    for (const [i, step] of APPROVE_STEPS.entries()) await assertAutoConsistent(repos[i]!, step);
  } finally {
    await Promise.all(repos.map((r) => r.cleanup()));
  }
});

const REMOVE_STEPS = ["pick", "journal", "rewrite", "recommit", "settle"];

async function assertRemovalConsistent(repo: TempRepo, before: string, step: string) {
  const file = join(repo.policies, "team.yaml");
  const text = await Deno.readTextFile(file);
  const removed = !text.includes("  old:");
  if (!removed) assert.equal(text, before, `${step}: old policy, byte for byte`);
  else assert.equal(loadPolicyText(text, "team.yaml").policy.revision, 4, step);
  // The next clean-up (the gateway's sweep, or `leases sweep`) finishes or redoes it, once.
  const store = new ProposalStore({ policiesDir: repo.policies });
  await store.removeEnded({ kind: "expired" });
  const after = await Deno.readTextFile(file);
  assert.doesNotMatch(after, / {2}old:/, step);
  assert.equal(loadPolicyText(after, "team.yaml").policy.revision, 4, `${step}: bumped once`);
  assert.doesNotMatch(await repo.git("status", "--porcelain"), /team\.yaml/, step);
  const log = await repo.git("log", "--format=%(trailers:key=Removed-By,valueonly)");
  assert.deepEqual(log.split("\n").filter((l) => l.trim()), ["expiry"], `${step}: one commit`);
  const journal = await Array.fromAsync(Deno.readDir(join(repo.policies, "pending", ".removals")))
    .catch(() => []);
  assert.deepEqual(journal, [], `${step}: no journal left`);
}

Deno.test("automation #17 crash: a kill at any step of a lease's clean-up commit leaves the old or the new policy, and one commit", async () => {
  const rules = [scopedRule("old", { scope: "lease", expiresAt: Date.now() - 1000 })];
  const repos = await Promise.all(REMOVE_STEPS.map(() => scopedRepo(rules)));
  const main = new URL("../main.ts", import.meta.url).pathname;
  try {
    const before = await Deno.readTextFile(join(repos[0]!.policies, "team.yaml"));
    await Promise.all(
      REMOVE_STEPS.map((step, i) => killAt([main, "leases", "sweep"], repos[i]!.root, step)),
    );
    for (const [i, step] of REMOVE_STEPS.entries()) {
      await assertRemovalConsistent(repos[i]!, before, step);
    }
  } finally {
    await Promise.all(repos.map((r) => r.cleanup()));
  }
});
