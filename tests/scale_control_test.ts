/**
 * Issue #15 items 4-6, the correctness side of the control plane at scale: an approval parses
 * the policy once, a reload happens off the request path and swaps atomically, status reads
 * are indexed, and a push is serialised once. Nothing here asserts speed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  EventHub,
  type HubEvent,
  PolicyCache,
  policyUpdated,
  type ProposalRecord,
  ProposalStore,
  renderProposalList,
} from "../gateway/mod.ts";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { PolicyHolder } from "../proxy/mod.ts";
import { policyHash } from "../proxy/policy/mod.ts";
import { syntheticPolicy } from "./support/synthetic_policy.ts";
import { stringify } from "yaml";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

/** A distinct narrow proposal from `sandbox` (rule `n`). */
function proposal(n: number, sandbox?: string): ProposalInput {
  const input = putProposal();
  input.ruleName = `rule_${n}`;
  input.rule = {
    endpoints: [{ host: `h${n}.example.com`, port: 443, protocol: "rest", access: "read-only" }],
    binaries: [{ path: "/usr/bin/curl" }],
  };
  return sandbox === undefined ? input : { ...input, sandbox };
}

Deno.test("hostile #15.4: an approval parses the policy once, and the next read reuses it", async () => {
  const repo = await makeRepo();
  try {
    const cache = new PolicyCache();
    const store = new ProposalStore({ policiesDir: repo.policies, policyCache: cache });
    const submitted = await store.submit(putProposal());
    assert.ok(submitted.accepted);
    const id = submitted.proposal.id;
    const before = cache.loads;
    const approved = await store.approve(id, { approvedBy: "alice" });
    assert.equal(approved.revision, 4);
    assert.equal(cache.loads - before, 1, "the approval loads only the text it writes");
    assert.equal((await store.status(id))?.status, "approved");
    assert.equal(cache.loads - before, 1, "a read after the approval reuses its load");
    // A status read computes the candidate an approval would write; the approval reuses it.
    const next = await store.submit({ ...putProposal(), ruleName: "second" });
    assert.ok(next.accepted);
    await store.status(next.proposal.id);
    const read = cache.loads;
    assert.equal((await store.approve(next.proposal.id, { approvedBy: "alice" })).revision, 5);
    assert.equal(cache.loads, read, "the reviewed candidate is the approval's text");
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile #15.5: a status read looks only at its own proposal, never at every pending one", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const a = await store.submit(proposal(1));
    const b = await store.submit(proposal(2));
    assert.ok(a.accepted && b.accepted);
    // B applied by hand (git am): settling it is the business of B's reads, a list or an approval.
    await repo.git("am", "--quiet", join("policies", "pending", `${b.proposal.id}.patch`));
    assert.equal((await store.status(a.proposal.id))?.status, "pending");
    const bPatch = join(repo.policies, "pending", `${b.proposal.id}.patch`);
    assert.ok(await Deno.lstat(bPatch), "A's status read did not scan and settle B");
    assert.equal((await store.status(b.proposal.id))?.status, "approved");
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile #15.5: deduplication and the pending cap come from the sandbox's own index", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies, maxPendingPerSandbox: 3 });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const r = await store.submit(proposal(n, "sb-a"));
      assert.ok(r.accepted);
      ids.push(r.proposal.id);
    }
    // Other sandboxes' proposals count for them only.
    for (let n = 10; n < 13; n++) assert.ok((await store.submit(proposal(n, "sb-b"))).accepted);
    assert.ok((await store.submit(proposal(20, ".."))).accepted, "a sandbox id like .. is a name");
    const again = await store.submit(proposal(1, "sb-a"));
    assert.ok(again.accepted && again.proposal.id === ids[1], "the same rule is deduplicated");
    const full = await store.submit(proposal(5, "sb-a"));
    assert.ok(!full.accepted && full.code === "too_many_pending");
    // A decided proposal leaves the count (its index entry is stale and dropped).
    await store.reject(ids[0]!, { reason: "no", rejectedBy: "alice" });
    assert.ok((await store.submit(proposal(5, "sb-a"))).accepted);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile #15.5: proposals list renders 300,000 proposals (column widths computed once)", () => {
  const record = (i: number): ProposalRecord => ({
    id: `p-20260101T000000-${String(i).padStart(6, "0")}`,
    state: "pending",
    file: "-",
    meta: { id: "-", policy: "team", ruleKey: "r", summary: `allow ${i}`, findings: [] },
    diff: "",
    rule: { endpoints: [], binaries: [] },
  } as unknown as ProposalRecord);
  const records = Array.from({ length: 300_000 }, (_, i) => record(i));
  const text = renderProposalList(records, false);
  assert.equal(text.split("\n").length, 300_002);
  assert.match(text, /^ID +STATUS +POLICY +SUMMARY\n/);
});

Deno.test("hostile #15.6: a push is encoded once for every subscriber and carries a large policy's text", () => {
  const hub = new EventHub();
  const seen: HubEvent[] = [];
  const subs = [1, 2, 3].map(() => hub.subscribe((event) => void seen.push(event)));
  // A 10,000-rule policy is megabytes: it rides in the event, so no proxy fetches it.
  const text = `version: 1\n# ${"x".repeat(3 * 1024 * 1024)}\n`;
  hub.publish(policyUpdated({ name: "team", text, revision: 2, hash: "ab" }));
  assert.equal(seen.length, 3);
  assert.ok(seen.every((e) => e.frame === seen[0]!.frame), "one frame for all subscribers");
  const frame = new TextDecoder().decode(seen[0]!.frame);
  assert.ok(frame.startsWith("event: policy.updated\ndata: {"));
  assert.equal(JSON.parse(frame.split("\n")[1]!.slice(6)).text, text);
  for (const sub of subs) sub.unsubscribe();
  hub.close();
});

Deno.test("hostile #15.4: a large reload runs off the request path and swaps in whole", async () => {
  const small = "version: 1\nnetwork_policies: {}\n";
  const holder = PolicyHolder.fromText("big", "big.yaml", small);
  const big = { ...syntheticPolicy(1500), revision: 9 };
  const text = stringify(big, { lineWidth: 0 });
  const swaps: number[] = [];
  holder.subscribe((snapshot) => swaps.push(snapshot.generation));
  let turned = false;
  const reloading = holder.reload(text).then((result) => ({ result, turned }));
  // The event loop turns while the reload parses and compiles: a request would be served now,
  // by the policy in force, never by half a policy.
  setTimeout(() => turned = true, 0);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(holder.current().generation, 1);
  assert.equal(holder.current().text, small);
  const { result, turned: turnedBefore } = await reloading;
  assert.ok(turnedBefore, "a timer ran while the reload was in flight");
  assert.ok(result.ok);
  assert.equal(holder.current().revision, 9);
  assert.equal(holder.current().compiled.ruleCount, 1500);
  assert.equal(holder.current().hash, policyHash(big));
  assert.deepEqual(swaps, [2]);
  // A broken text changes nothing and reports where it is broken.
  const bad = await holder.reload(text.replace("port: 443", "port: x"));
  assert.ok(!bad.ok && bad.issues[0]!.line > 1);
  assert.equal(holder.current().generation, 2);
  holder.close();
});
