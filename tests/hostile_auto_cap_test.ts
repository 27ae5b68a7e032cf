/**
 * A hostile agent against the auto-approval cap (20 per sandbox an hour). The cap was counted
 * in the gateway's memory: a gateway restart, a second gateway on the same remote, or a burst
 * of submits sent at once (each checked the count before any was approved) started afresh.
 * Now it is counted from what is durable, the approved patches that say "auto" and name the
 * sandbox, inside the approval's directory lock.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { RemoteProposalStore, RemoteSync } from "../gateway/remote/mod.ts";
import type { ProposalInput, ProposalSink } from "../proxy/policy_local/mod.ts";
import { putProposal, TEAM_POLICY } from "./gateway_fixtures.ts";
import { autoApproveRepo, CEILING, PATTERNS } from "./automation_fixtures.ts";
import { git, makeRemote } from "./remote_support.ts";

function put(i: number, sandbox = "sb-a"): ProposalInput {
  const input = { ...putProposal("write a file"), ruleName: `put_${i}`, sandbox };
  input.rule.endpoints[0]!.rules = [{
    allow: { method: "PUT", path: `/repos/o/r/contents/f${i}` },
  }];
  return input;
}

/** Submit `inputs` one after another; how many were approved without a person. */
async function approvedOf(sink: ProposalSink, inputs: ProposalInput[]): Promise<number> {
  let approved = 0;
  for (const input of inputs) {
    const r = await sink.submit(input);
    assert.ok(r.accepted, JSON.stringify(r));
    if (r.proposal.status === "approved") approved++;
  }
  return approved;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

Deno.test("hostile auto cap: a gateway restart does not start the count afresh", async () => {
  const repo = await autoApproveRepo();
  try {
    const first = new ProposalStore({ policiesDir: repo.policies });
    assert.equal(await approvedOf(first, range(0, 15).map((i) => put(i))), 15);
    // The same directory, a new process's store.
    const second = new ProposalStore({ policiesDir: repo.policies });
    assert.equal(await approvedOf(second, range(15, 24).map((i) => put(i))), 5);
    assert.equal(await approvedOf(second, [put(30, "sb-b")]), 1, "another sandbox is not held");
    // An hour on, the sandbox's earlier approvals have left the window.
    const later = new Date(Date.now() + 61 * 60_000);
    const third = new ProposalStore({ policiesDir: repo.policies, now: () => later });
    assert.equal(await approvedOf(third, [put(40)]), 1);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile auto cap: submits sent at once get no more than the cap", async () => {
  const repo = await autoApproveRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const results = await Promise.all(range(0, 30).map((i) => store.submit(put(i))));
    const approved = results.filter((r) => r.accepted && r.proposal.status === "approved");
    assert.equal(approved.length, 20);
  } finally {
    await repo.cleanup();
  }
});

/** A bare remote holding the team policy, a ceiling and auto-approval patterns. */
async function sharedRemote() {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-auto-cap-" });
  const bare = await makeRemote(dir, TEAM_POLICY);
  const seed = join(dir, "seed");
  await Deno.writeTextFile(join(seed, "ceiling.yaml"), CEILING);
  await Deno.writeTextFile(join(seed, "auto_approve.yaml"), PATTERNS);
  const id = ["-c", "user.name=S", "-c", "user.email=s@example.test"];
  await git(seed, ...id, "add", ".");
  await git(seed, ...id, "commit", "-qm", "patterns");
  await git(seed, "push", "--quiet", bare, "main");
  return { dir, bare };
}

async function openGateway(dir: string, bare: string, name: string, skewMs = 0) {
  const policiesDir = join(dir, name);
  const sync = await RemoteSync.open({ policiesDir, url: `file://${bare}`, fetchIntervalMs: 0 });
  await sync.start();
  const now = () => new Date(Date.now() + skewMs);
  return { sync, store: new RemoteProposalStore({ policiesDir, now }, sync) };
}

Deno.test("hostile auto cap: two gateways sharing a remote share one count", async () => {
  const { dir, bare } = await sharedRemote();
  const a = await openGateway(dir, bare, "a");
  const b = await openGateway(dir, bare, "b");
  try {
    assert.equal(await approvedOf(a.store, range(0, 12).map((i) => put(i))), 12);
    assert.equal(await approvedOf(b.store, range(12, 24).map((i) => put(i))), 8);
  } finally {
    await a.sync.close();
    await b.sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostile auto cap: a gateway whose clock is behind does not reset the count", async () => {
  const { dir, bare } = await sharedRemote();
  // Its ids and decisions read two hours old to every other gateway.
  const late = await openGateway(dir, bare, "late", -2 * 3_600_000);
  const onTime = await openGateway(dir, bare, "on-time");
  try {
    assert.equal(await approvedOf(late.store, range(0, 12).map((i) => put(i))), 12);
    assert.equal(await approvedOf(onTime.store, range(12, 24).map((i) => put(i))), 8);
    // Approvals decided days before they arrive are history (a new gateway's clone), not held.
    const history = await openGateway(dir, bare, "history", -3 * 24 * 3_600_000);
    assert.equal(await approvedOf(history.store, range(30, 35).map((i) => put(i, "sb-h"))), 5);
    await history.sync.close();
    assert.equal(await approvedOf(onTime.store, range(40, 60).map((i) => put(i, "sb-h"))), 20);
  } finally {
    await late.sync.close();
    await onTime.sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});
