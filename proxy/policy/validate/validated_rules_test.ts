import assert from "node:assert/strict";
import { policyFromJson } from "./policy_from_json.ts";
import { ValidatedRules } from "./validated_rules.ts";
import { loadPolicyJson, policyHash } from "../load/mod.ts";

const good = {
  endpoints: [{ host: "a.example", port: 443 }],
  binaries: [{ path: "/usr/bin/curl" }],
};
const doc = (rules: Record<string, unknown>, revision = 1) =>
  JSON.stringify({ version: 1, revision, network_policies: rules });

Deno.test("ValidatedRules: a rule changed under a key it held is validated again", () => {
  const known = new ValidatedRules();
  assert.ok(policyFromJson(doc({ a: good }), known));
  const relative = { ...good, binaries: [{ path: "curl" }] };
  assert.equal(policyFromJson(doc({ a: relative }, 2), known), undefined);
  const hostless = { endpoints: [{ host: "*", port: 443 }] };
  assert.equal(policyFromJson(doc({ a: good, b: hostless }, 2), known), undefined);
});

Deno.test("ValidatedRules: a refused push leaves the last clean rules held", () => {
  const known = new ValidatedRules();
  const first = policyFromJson(doc({ a: good }), known)!;
  assert.equal(policyFromJson(doc({ a: good, "bad key": good }, 2), known), undefined);
  const next = policyFromJson(doc({ a: good, b: good }, 3), known)!;
  assert.equal(next.network_policies.a, first.network_policies.a);
});

Deno.test("ValidatedRules: a rule with a warning is never held, so it is never taken silently", () => {
  const known = new ValidatedRules();
  const harness = { ...good, binaries: [{ path: "/usr/bin/curl", harness: true }] };
  assert.equal(policyFromJson(doc({ a: harness }), known), undefined);
  assert.equal(policyFromJson(doc({ a: harness }, 2), known), undefined);
});

Deno.test("loadPolicyJson() with ValidatedRules: the same policy and hash as without", () => {
  const known = new ValidatedRules();
  const other = { endpoints: [{ host: "B.example", ports: [443, 80] }] };
  for (const [i, rules] of [{ a: good }, { a: good, b: other }, { b: other }].entries()) {
    const json = doc(rules, i);
    const fresh = loadPolicyJson(json, "", "p.yaml")!;
    const lent = loadPolicyJson(json, "", "p.yaml", {}, known)!;
    assert.deepEqual(lent.policy, fresh.policy);
    assert.equal(lent.hash, fresh.hash);
    assert.equal(lent.hash, policyHash(fresh.policy));
  }
});
