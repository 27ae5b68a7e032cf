import assert from "node:assert/strict";
import { loadPolicyText, type NetworkRule } from "../../proxy/policy/mod.ts";
import { checkProposedRule } from "./proposal_checks.ts";

// git reaches the code host through a plain grant; node only through L7 rules.
const CURRENT = loadPolicyText(
  `version: 1
network_policies:
  code_plain:
    endpoints: [{ host: code.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/git }, { path: "/opt/tools/*/bin/sync" }]
`,
  "team.yaml",
);

const l7For = (...paths: string[]): NetworkRule => ({
  name: "code_fetch",
  endpoints: [{
    host: "code.example.com",
    port: 443,
    protocol: "rest",
    enforcement: "enforce",
    rules: [{ allow: { method: "GET", path: "/o/r.git/info/refs" } }],
  }],
  binaries: paths.map((path) => ({ path })),
});

const codes = (rule: NetworkRule) =>
  checkProposedRule(rule, CURRENT).findings.filter((f) => f.code === "narrows_l4");

Deno.test("checkProposedRule() warns when L7 rules would narrow a binary's plain grant on the host", () => {
  // Once a binary has L7 rules on a host:port, only they judge its requests there (as in
  // OpenShell): an agent's narrow rule must not quietly cut another tool's access.
  const [git] = codes(l7For("/usr/bin/git"));
  assert.equal(git?.severity, "warn");
  assert.equal(
    git?.message,
    "endpoints[0] puts L7 rules on code.example.com:443, where rule code_plain lets the same " +
      "binaries through at L4: once approved, only L7 rules judge their requests there",
  );
  assert.equal(codes(l7For("/opt/tools/a/bin/sync")).length, 1);
  assert.equal(codes(l7For("/opt/tools/**")).length, 1);
  const anyBinary: NetworkRule = { ...l7For(), binaries: undefined };
  assert.equal(codes(anyBinary).length, 1);
  assert.equal(codes(l7For("/usr/bin/curl")).length, 0);
});
