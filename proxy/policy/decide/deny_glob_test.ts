/**
 * A deny path reads a `**` inside a segment as crossing `/` (Tollgate's reading before globs
 * matched OpenShell's), while an allow reads it as `*` (OpenShell's): matching OpenShell must
 * narrow no deny a policy already had.
 */
import assert from "node:assert/strict";
import { decide, loadPolicyText } from "../mod.ts";

const policy = (rules: string, denies = "") =>
  loadPolicyText(
    `version: 1
network_policies:
  api:
    endpoints:
      - host: api.example.com
        port: 443
        protocol: rest
        rules:
${rules}
${denies}    binaries: [{ path: /usr/bin/curl }]
`,
    "deny_glob.yaml",
  ).compiled;

const facts = (path: string) => ({
  host: "api.example.com",
  port: 443,
  method: "GET",
  path,
  identity: { exe: "/usr/bin/curl", ancestors: [] },
});

Deno.test("deny glob: '/admin**' in a deny fires on '/admin/users' and '/adminx'", () => {
  const compiled = policy(
    `          - allow: { method: GET, path: "/**" }`,
    `        deny_rules: [{ method: GET, path: "/admin**" }]\n`,
  );
  assert.equal(decide(compiled, facts("/admin/users")).verdict, "deny");
  assert.equal(decide(compiled, facts("/adminx")).verdict, "deny");
  assert.equal(decide(compiled, facts("/public/x")).verdict, "allow");
});

Deno.test("deny glob: '/admin**' in an allow stays within its segment, as in OpenShell", () => {
  const compiled = policy(`          - allow: { method: GET, path: "/admin**" }`);
  assert.equal(decide(compiled, facts("/adminx")).verdict, "allow");
  assert.equal(decide(compiled, facts("/admin/users")).verdict, "deny");
});
