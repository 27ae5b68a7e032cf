import assert from "node:assert/strict";
import { loadPolicyText, policyCoversRule } from "../mod.ts";
import type { NetworkRule } from "../mod.ts";

// curl has L7 rules on the host that reach /a/x and /a/x/y, and a plain grant beside them.
const POLICY = `version: 1
network_policies:
  code_plain:
    endpoints: [{ host: code.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  code_rest:
    endpoints:
      - host: code.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/a/*" }
          - allow: { method: GET, path: "/a/*/*" }
    binaries: [{ path: /usr/bin/curl }]
`;

const deep: NetworkRule = {
  endpoints: [{
    host: "code.example.com",
    port: 443,
    protocol: "rest",
    rules: [{ allow: { method: "GET", path: "/a/**" } }],
  }],
  binaries: [{ path: "/usr/bin/curl" }],
};

Deno.test("policyCoversRule() does not count a plain grant beside L7 rules for the same binary as covering every path", () => {
  // Only the L7 rules judge curl's requests on this host (a plain grant adds nothing beside
  // them), and they stop two segments deep: /a/** is not already granted.
  const { compiled } = loadPolicyText(POLICY, "p.yaml");
  assert.equal(policyCoversRule(compiled, deep), false);
  // With the plain grant alone, the connection is a blind tunnel: every path passes.
  const plainOnly = loadPolicyText(POLICY.split("  code_rest:")[0]!, "p.yaml").compiled;
  assert.equal(policyCoversRule(plainOnly, deep), true);
});
