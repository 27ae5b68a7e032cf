/**
 * Issue #15 items 4-6, second round: the per-sandbox pending index migrates proposals made
 * before it existed, a large reload ships a compact form from its worker and compiles each host
 * on first use, and the proposals list reads its rows from an index. Nothing here asserts speed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { ProposalStore } from "../gateway/mod.ts";
import { PolicyHolder } from "../proxy/mod.ts";
import { compilePolicy, decide, loadPolicyText } from "../proxy/policy/mod.ts";
import { syntheticPolicy } from "./support/synthetic_policy.ts";
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

Deno.test("hostile #15.4: a compiled policy builds a host's matchers on its first lookup, never every rule's at load", () => {
  const policy = syntheticPolicy(1500);
  const asked: string[] = [];
  const compiled = compilePolicy(policy, { resolveBinary: (path) => void asked.push(path) });
  assert.deepEqual(asked, [], "nothing compiled before a request");
  const facts = {
    host: "svc-7.example.com",
    port: 443,
    identity: { exe: "/bin/x", ancestors: [] },
  };
  assert.equal(decide(compiled, facts).verdict, "deny");
  assert.deepEqual(asked, ["/usr/bin/tool-0"], "only rule 7's binaries were compiled");
  const tool = { ...facts, identity: { exe: "/usr/bin/tool-0", ancestors: [] } };
  assert.equal(decide(compiled, tool).verdict, "allow");
  assert.equal(asked.length, 1, "compiled once");
});

Deno.test("hostile #15.4: an off-thread reload decides like a direct load, keeps rule order, leases and the whole policy", async () => {
  const base = { ...syntheticPolicy(1500), revision: 4 };
  base.network_policies["zz_first_in_file"] = {
    endpoints: [{ host: "svc-10.example.com", port: 443 }],
    binaries: [{ path: "/usr/bin/tool-3" }],
  };
  const lease = "  # tollgate lease scope=session sandbox=sb-1\n";
  const text = stringify(base, { lineWidth: 0 }).replace(
    "  zz_first_in_file:\n",
    `${lease}  zz_first_in_file:\n`,
  );
  const holder = PolicyHolder.fromText("big", "big.yaml", "version: 1\n");
  assert.ok((await holder.reload(text)).ok);
  const direct = loadPolicyText(text, "big.yaml");
  const snapshot = holder.current();
  assert.equal(snapshot.revision, 4);
  assert.equal(snapshot.hash, direct.hash);
  assert.deepEqual(snapshot.policy, direct.policy);
  assert.equal(snapshot.leases.get("zz_first_in_file")?.scope, "session");
  for (const i of [0, 1, 2, 3, 4, 10, 13, 14, 1499]) {
    for (const exe of ["/usr/bin/tool-3", `/usr/bin/tool-${i % 7}`, "/opt/agent/bin/a"]) {
      for (
        const host of [
          `svc-${i}.example.com`,
          `a.zone-${i}.example.com`,
          `x.y.deep-${i}.example.org`,
        ]
      ) {
        const facts = {
          host,
          port: 443,
          identity: { exe, ancestors: [] },
          method: "GET",
          path: "/",
        };
        assert.deepEqual(decide(snapshot.compiled, facts), decide(direct.compiled, facts));
      }
    }
  }
  holder.close();
});

Deno.test("hostile #15.6: reloads queued behind a running one load only the newest", async () => {
  const holder = PolicyHolder.fromText("p", "p.yaml", "version: 1\n");
  const swaps: number[] = [];
  holder.subscribe((snapshot) => swaps.push(snapshot.revision));
  const texts = [2, 3, 4, 5].map((r) => `version: 1\nrevision: ${r}\n`);
  const first = holder.reload(texts[0]!);
  await new Promise((resolve) => setTimeout(resolve, 0));
  // Asked together (a burst of pushes): the last one stands for all of them.
  const rest = await Promise.all(texts.slice(1).map((text) => holder.reload(text)));
  assert.ok((await first).ok);
  assert.deepEqual(swaps, [2, 5], "the first ran, then only the newest of the burst");
  assert.deepEqual(rest.map((r) => r.ok && r.superseded === true), [true, true, false]);
  assert.equal(holder.current().revision, 5);
  assert.ok((await holder.reload("version: 1\nrevision: 6\n")).ok);
  assert.equal(holder.current().revision, 6, "a later reload runs as usual");
});
