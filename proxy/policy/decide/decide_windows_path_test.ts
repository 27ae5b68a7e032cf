/** decide(): deny rules judge the path as a Windows origin (IIS over NTFS) reads it too. */
import assert from "node:assert/strict";
import { decide, loadPolicyText } from "../mod.ts";

const POLICY = `version: 1
network_policies:
  site:
    endpoints:
      - host: site.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/**" }
          - allow: { method: POST, path: "/forms/*" }
        deny_rules: [{ method: GET, path: "/administrator/**" }]
    binaries: [{ path: /usr/bin/curl }]
`;

const compiled = loadPolicyText(POLICY, "windows.yaml").compiled;
const verdict = (method: string, path: string) =>
  decide(compiled, {
    host: "site.example.com",
    port: 443,
    identity: { exe: "/usr/bin/curl", ancestors: [] },
    method,
    path,
  }).verdict;

Deno.test("decide() denies a path a Windows origin reads as a denied one", () => {
  for (const path of ["/administrator./x", "/administrator%20/x", "/administrator::$data/x"]) {
    assert.equal(verdict("GET", path), "deny", path);
  }
  // A short name could be any long name: it fires each deny of its method, nothing else.
  assert.equal(verdict("GET", "/PUBLIC~1/x"), "deny");
  assert.equal(verdict("POST", "/forms/FORM~1.TXT"), "allow");
  assert.equal(verdict("GET", "/public/a.b/c.json"), "allow");
  // Allows stay exact: a Windows spelling only narrows them.
  assert.equal(verdict("POST", "/forms./x"), "deny");
});
