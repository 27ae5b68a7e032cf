import assert from "node:assert/strict";
import { stringify } from "yaml";
import { syntheticPolicy } from "../../../tests/support/synthetic_policy.ts";
import { OFF_THREAD_CHARS, PolicyHolder } from "../../holder/mod.ts";
import { LoadWorker } from "./load_worker.ts";
import { parsePolicy } from "../yaml/mod.ts";
import { policyDelta } from "./policy_delta.ts";
import { policyHash } from "./policy_hash.ts";
import type { NetworkRule, Policy } from "../model/mod.ts";

const EXTRA: NetworkRule = {
  endpoints: [{ host: "delta.example.com", port: 443 }],
  binaries: [{ path: "/usr/bin/curl" }],
};

/** Version 1 of a generated policy, and version 2: one rule changed, one removed, one added. */
function versions(): [Policy, Policy] {
  const first = { ...syntheticPolicy(1500), revision: 1 };
  const rules = { ...first.network_policies };
  delete rules.rule_000007;
  rules.rule_000003 = EXTRA;
  rules.added = { ...EXTRA, name: "added" };
  return [first, { ...first, revision: 2, network_policies: rules }];
}

function load(policy: Policy): { text: string; policy: Policy; hash: string } {
  const text = stringify(policy, { lineWidth: 0 });
  const parsed = parsePolicy(text, "p.yaml").policy!;
  return { text, policy: parsed, hash: policyHash(parsed) };
}

Deno.test("LoadWorker applies a pushed change to the policy it holds, with the answer of a full load", async () => {
  const [one, two] = versions().map(load) as [ReturnType<typeof load>, ReturnType<typeof load>];
  using incremental = new LoadWorker();
  using full = new LoadWorker();
  await incremental.load(one.text, "p.yaml");
  const delta = policyDelta(one.policy, one.hash, two.policy, two.hash)!;
  assert.deepEqual(Object.keys(delta.set), ["rule_000003", "added"]);
  assert.deepEqual(delta.removed, ["rule_000007"]);
  const applied = await incremental.load(two.text, "p.yaml", { json: JSON.stringify(delta) });
  assert.deepEqual(applied, await full.load(two.text, "p.yaml"));
  assert.ok("hash" in applied && applied.hash === two.hash);
  // A change naming a rule the text lacks shows which of the two the worker loaded.
  const extra = { ...two.policy, network_policies: { ...two.policy.network_policies, x: EXTRA } };
  const marked = { ...delta, delta_from: two.hash, hash: policyHash(extra), set: { x: EXTRA } };
  const viaDelta = await incremental.load(two.text, "p.yaml", { json: JSON.stringify(marked) });
  assert.ok("hash" in viaDelta && viaDelta.hash === policyHash(extra));
});

Deno.test("LoadWorker loads the text when a pushed change is not from its policy, has another hash or a bad rule", async () => {
  const [one, two] = versions().map(load) as [ReturnType<typeof load>, ReturnType<typeof load>];
  using worker = new LoadWorker();
  using full = new LoadWorker();
  const expected = await full.load(two.text, "p.yaml");
  const delta = policyDelta(one.policy, one.hash, two.policy, two.hash)!;
  const bad = [
    { ...delta, delta_from: "0".repeat(64) },
    { ...delta, hash: "0".repeat(64) },
    { ...delta, set: { ...delta.set, broken: { endpoints: [{ host: "*", port: 443 }] } } },
    { ...delta, head: { ...delta.head, version: 2 } },
  ];
  for (const [i, change] of bad.entries()) {
    await worker.load(one.text, "p.yaml");
    assert.deepEqual(
      await worker.load(two.text, "p.yaml", { json: JSON.stringify(change) }),
      expected,
      `${i}`,
    );
  }
});

Deno.test("PolicyHolder.reload() never swaps in a bad change of a large policy: the last good one stays", async () => {
  const [one, two] = versions().map(load) as [ReturnType<typeof load>, ReturnType<typeof load>];
  assert.ok(one.text.length >= OFF_THREAD_CHARS);
  const holder = PolicyHolder.fromText("p", "p.yaml", one.text);
  try {
    assert.ok((await holder.reload(one.text)).ok);
    const delta = policyDelta(one.policy, one.hash, two.policy, two.hash)!;
    const broken = { ...delta, set: { bad: { endpoints: [{ host: "*", port: 443 }] } } };
    const result = await holder.reload("version: 2\n", JSON.stringify(broken));
    assert.ok(!result.ok);
    assert.equal(holder.current().hash, one.hash);
    assert.ok((await holder.reload(two.text, JSON.stringify(delta))).ok);
    assert.equal(holder.current().hash, two.hash);
    assert.deepEqual(holder.current().policy, two.policy);
  } finally {
    holder.close();
  }
});

Deno.test("PolicyHolder gives its worker a large policy at once: the first pushed change applies to it", async () => {
  const [one, two] = versions().map(load) as [ReturnType<typeof load>, ReturnType<typeof load>];
  const holder = PolicyHolder.fromText("p", "p.yaml", one.text);
  try {
    // A change naming a rule the text lacks shows that the change, not the text, was loaded.
    const extra = { ...two.policy, network_policies: { ...two.policy.network_policies, x: EXTRA } };
    const delta = policyDelta(one.policy, one.hash, extra, policyHash(extra))!;
    assert.ok((await holder.reload(two.text, JSON.stringify(delta))).ok);
    assert.equal(holder.current().hash, policyHash(extra));
  } finally {
    holder.close();
  }
});

Deno.test("policyDelta() sends the whole policy when the rules' order changed", () => {
  const rule = EXTRA;
  const before: Policy = { version: 1, revision: 1, network_policies: { a: rule, b: rule } };
  const swapped: Policy = { ...before, network_policies: { b: rule, a: rule } };
  assert.equal(policyDelta(before, "h1", swapped, "h2"), undefined);
  const inserted: Policy = { ...before, network_policies: { a: rule, c: rule, b: rule } };
  assert.equal(policyDelta(before, "h1", inserted, "h2"), undefined);
  const port: NetworkRule = { ...rule, endpoints: [{ ...rule.endpoints[0]!, port: 8443 }] };
  const changed = policyDelta(
    before,
    "h1",
    { ...before, network_policies: { a: rule, b: port } },
    "h2",
  );
  assert.deepEqual(changed?.set, { b: port });
  const same = policyDelta(before, "h1", { ...before, revision: 2 }, "h2");
  assert.deepEqual(same, {
    delta_from: "h1",
    hash: "h2",
    head: { version: 1, revision: 2 },
    set: {},
    removed: [],
  });
});
