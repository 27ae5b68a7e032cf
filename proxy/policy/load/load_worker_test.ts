import assert from "node:assert/strict";
import { stringify } from "yaml";
import { syntheticPolicy } from "../../../tests/support/synthetic_policy.ts";
import { LoadWorker } from "./load_worker.ts";
import { parsePolicy } from "../yaml/mod.ts";
import { policyDelta } from "./policy_delta.ts";
import { policyHash } from "./policy_hash.ts";
import { leaseComment, type NetworkRule, type Policy } from "../model/mod.ts";

const RULE: NetworkRule = {
  endpoints: [{ host: "Added.example.com", ports: [443, 8443] }, {
    host: "*.wild.example",
    port: 80,
  }],
  binaries: [{ path: "/usr/bin/curl" }],
};
const LEASE = leaseComment({ scope: "lease", expiresAt: Date.parse("2030-01-01T00:00:00Z") });

/** `policy` as YAML, with a lease comment above rule `leased` when given. */
function load(policy: Policy, leased?: string): { text: string; policy: Policy; hash: string } {
  let text = stringify(policy, { lineWidth: 0 });
  if (leased) text = text.replace(`\n  ${leased}:\n`, `\n  ${LEASE}\n  ${leased}:\n`);
  const parsed = parsePolicy(text, "p.yaml").policy!;
  return { text, policy: parsed, hash: policyHash(parsed) };
}

/** A large policy, then the same with `added` appended (the shape of an approval's push). */
function appended(added: string[]): [Policy, Policy] {
  const first = { ...syntheticPolicy(1200), revision: 1 };
  const rules = { ...first.network_policies };
  for (const key of added) rules[key] = RULE;
  return [first, { ...first, revision: 2, network_policies: rules }];
}

Deno.test("LoadWorker answers a change that appends rules as a full load of the new text does", async () => {
  // Keys that sort first, between two held keys and last: each goes to its own place.
  const [one, two] = appended(["aaa_first", "rule_000100a", "zzz_last"]).map((p) => load(p));
  using incremental = new LoadWorker();
  using full = new LoadWorker();
  await incremental.load(one!.text, "p.yaml");
  for (const [from, to] of [[one!, two!], [two!, one!], [one!, two!]] as const) {
    // The way back removes keys (sorted anew), then they are appended again.
    const delta = policyDelta(from.policy, from.hash, to.policy, to.hash)!;
    // Given the old text, only the change makes the new policy: a fallback to the text shows.
    const json = JSON.stringify(delta);
    const applied = await incremental.load(from.text, "p.yaml", { json });
    assert.deepEqual(applied, await full.load(to.text, "p.yaml"));
    assert.ok("hash" in applied && applied.hash === to.hash);
  }
});

Deno.test("LoadWorker reads the lease comments of a pushed change's text, wherever its slices split them", async () => {
  const [first, second] = appended(["leased"]);
  const one = load(first);
  const two = load(second, "leased");
  // The change adds a rule the text lacks: a fallback to the text would show in the hash.
  const more = load({ ...second, network_policies: { ...second.network_policies, x: RULE } });
  const delta = JSON.stringify(policyDelta(one.policy, one.hash, more.policy, more.hash));
  const bytes = new TextEncoder().encode(two.text);
  const at = two.text.indexOf(LEASE) + 5;
  using worker = new LoadWorker();
  for (const utf8 of [[bytes], [bytes.slice(0, at), bytes.slice(at)]]) {
    await worker.load(one.text, "p.yaml");
    const answer = await worker.load(two.text, "p.yaml", { json: delta, utf8 });
    assert.ok("leases" in answer);
    assert.deepEqual([...answer.leases.keys()], ["leased"]);
    assert.equal(answer.hash, more.hash);
  }
  // Without the comment, no lease.
  const plain = load(second);
  await worker.load(one.text, "p.yaml");
  const answer = await worker.load(plain.text, "p.yaml", { json: delta });
  assert.ok("leases" in answer && answer.leases.size === 0 && answer.hash === more.hash);
});

Deno.test("LoadWorker given a validated policy as JSON holds the policy its text makes", async () => {
  const [policy] = appended(["leased"]);
  const { text, hash } = load(policy!, "leased");
  const validated = parsePolicy(text, "p.yaml").policy!;
  using worker = new LoadWorker();
  // Given another text, a fallback to it would show in the hash.
  const other = load({ ...policy!, revision: 9 }).text;
  const answer = await worker.load(other, "p.yaml", { json: JSON.stringify(validated) });
  assert.ok("hash" in answer && answer.hash === hash);
  // A change from that hash applies to what the worker holds, as a gateway's first push does.
  const [, next] = appended(["added"]);
  const to = load(next!);
  const delta = JSON.stringify(policyDelta(validated, hash, to.policy, to.hash));
  const applied = await worker.load(other, "p.yaml", { json: delta });
  assert.ok("hash" in applied && applied.hash === to.hash);
});
