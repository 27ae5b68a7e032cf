/**
 * An agent proposes MCP rules to policy.local: a narrow rule (one method, one tool) is
 * accepted as a new rule; a look-alike tool name is refused; a new tool is a widening (never
 * auto-approved), the same endpoint again is a duplicate of coverage; and a reviewer is told
 * when a rule allows every method or a tool glob.
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

const mcpEndpoint = (tool: string, extra: Record<string, unknown> = {}) => ({
  host: "mcp.example.com",
  port: 443,
  path: "/mcp",
  protocol: "mcp" as const,
  rules: [{ allow: { method: "tools/call", tool } }],
  ...extra,
});

const rule = (endpoint: Record<string, unknown>): NetworkRule =>
  ({ endpoints: [endpoint], binaries: [{ path: "/usr/bin/node" }] }) as NetworkRule;

function proposal(endpoint: Record<string, unknown>) {
  return {
    intent_summary: "call the read_status tool",
    operations: [{ addRule: { ruleName: "mcp_status", rule: rule(endpoint) } }],
  };
}

Deno.test("mcp proposals: a narrow rule is accepted, a look-alike tool name is refused, breadth is named", () =>
  withProposalDesk(async ({ store, submit }) => {
    const narrow = await submit(proposal(mcpEndpoint("read_status")));
    assert.equal(narrow.accepted_chunks, 1, JSON.stringify(narrow));
    // A Cyrillic "е": strict tool names are ASCII, so such a rule never matches (or never denies).
    const lookAlike = await submit(proposal(mcpEndpoint("r\u0435ad_status")));
    assert.equal(lookAlike.accepted_chunks, 0);
    assert.match(lookAlike.rejection_reasons.join("\n"), /confusable_mcp/);
    const broad = await submit(proposal({
      ...mcpEndpoint("search_*"),
      mcp: { allow_all_known_mcp_methods: true },
    }));
    assert.equal(broad.accepted_chunks, 1, JSON.stringify(broad));
    const stored = await store.list({ status: "pending" });
    assert.equal(stored.length, 2);
    const text = JSON.stringify(stored);
    assert.match(text, /mcp_all_methods/);
    assert.match(text, /mcp_tool_glob/);
  }));

Deno.test("mcp proposals: a new tool is a widening; the same endpoint again is a duplicate of coverage", () => {
  const current = `version: 1
network_policies:
  mcp_status:
    endpoints:
      - host: mcp.example.com
        port: 443
        path: /mcp
        protocol: mcp
        rules: [{ allow: { method: tools/call, tool: read_status } }]
    binaries: [{ path: /usr/bin/node }]
`;
  const { policy } = parsePolicy(current, "p.yaml");
  const compiled = compilePolicy(policy!);
  // The same endpoint is a duplicate of coverage (reported at submit)...
  assert.equal(policyCoversRule(compiled, rule(mcpEndpoint("read_status"))), true);
  assert.equal(policyCoversRule(compiled, rule(mcpEndpoint("delete_repo"))), false);
  // ...but an MCP grant counts as every request on its path, so no MCP rule, a new tool
  // least of all, is ever read as adding nothing or as one request (auto-approval).
  const other = authorityDelta(compiled, rule(mcpEndpoint("delete_repo")));
  assert.equal(other.added.length, 1);
  assert.equal(other.widens, true);
});
