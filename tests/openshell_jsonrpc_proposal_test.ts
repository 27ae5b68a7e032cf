/**
 * An agent proposes JSON-RPC rules to policy.local: a narrow rule (one method) is accepted
 * as a new rule and summarised by its method; a look-alike method name is refused; a new
 * method is a widening (never auto-approved), the same endpoint again is a duplicate of
 * coverage; and a reviewer is told when a rule allows every method ("*").
 */
import assert from "node:assert/strict";
import {
  compilePolicy,
  type NetworkRule,
  parsePolicy,
  policyCoversRule,
} from "../proxy/policy/mod.ts";
import { authorityDelta } from "../gateway/authority/mod.ts";
import { withProposalDesk } from "./support/mod.ts";

const rpcEndpoint = (method: string) => ({
  host: "rpc.example.com",
  port: 443,
  path: "/rpc",
  protocol: "json-rpc" as const,
  rules: [{ allow: { method } }],
});

const rule = (endpoint: Record<string, unknown>): NetworkRule =>
  ({ endpoints: [endpoint], binaries: [{ path: "/usr/bin/python3" }] }) as NetworkRule;

function proposal(endpoint: Record<string, unknown>) {
  return {
    intent_summary: "list the reports",
    operations: [{ addRule: { ruleName: "rpc_reports", rule: rule(endpoint) } }],
  };
}

Deno.test('json-rpc proposals: a narrow rule is accepted, a look-alike method is refused, "*" is named', () =>
  withProposalDesk(async ({ store, submit }) => {
    const narrow = await submit(proposal(rpcEndpoint("reports.list")));
    assert.equal(narrow.accepted_chunks, 1, JSON.stringify(narrow));
    // A Cyrillic "о": no ASCII method is that name, so such a deny would never fire.
    const lookAlike = await submit(proposal(rpcEndpoint("rep\u043erts.list")));
    assert.equal(lookAlike.accepted_chunks, 0);
    assert.match(lookAlike.rejection_reasons.join("\n"), /confusable_json_rpc/);
    const glob = await submit(proposal(rpcEndpoint("reports.*")));
    // A method glob is no JSON-RPC rule: refused as invalid, with the policy's own message.
    assert.equal(glob.error, "invalid_proposal", JSON.stringify(glob));
    assert.match(glob.detail ?? "", /is a glob: write an exact method name/);
    const every = await submit(proposal(rpcEndpoint("*")));
    assert.equal(every.accepted_chunks, 1, JSON.stringify(every));
    const stored = await store.list({ status: "pending" });
    assert.equal(stored.length, 2);
    const text = JSON.stringify(stored);
    assert.match(text, /json_rpc_all_methods/);
    assert.match(text, /json-rpc reports\.list rpc\.example\.com:443 \/rpc/);
  }));

Deno.test("json-rpc proposals: a new method is a widening; the same endpoint again is a duplicate of coverage", () => {
  const current = `version: 1
network_policies:
  rpc_reports:
    endpoints:
      - host: rpc.example.com
        port: 443
        path: /rpc
        protocol: json-rpc
        rules: [{ allow: { method: reports.list } }]
    binaries: [{ path: /usr/bin/python3 }]
`;
  const { policy } = parsePolicy(current, "p.yaml");
  const compiled = compilePolicy(policy!);
  assert.equal(policyCoversRule(compiled, rule(rpcEndpoint("reports.list"))), true);
  assert.equal(policyCoversRule(compiled, rule(rpcEndpoint("reports.delete"))), false);
  const other = authorityDelta(compiled, rule(rpcEndpoint("reports.delete")));
  assert.equal(other.added.length, 1);
  assert.equal(other.widens, true);
});
