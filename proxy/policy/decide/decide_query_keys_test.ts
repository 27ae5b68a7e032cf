/**
 * decide() names, on an allow, the query keys the rules on its method and path judge: origins
 * merge a body's fields into the same parameters, so the transport refuses a body holding one.
 */
import assert from "node:assert/strict";
import { decide, loadPolicyText } from "../mod.ts";
import type { RequestFacts } from "../mod.ts";

const POLICY = `version: 1
network_policies:
  api:
    endpoints:
      - host: api.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: POST, path: /q, query: { action: "read" } }
          - allow: { method: POST, path: /free }
          - allow: { method: PUT, path: /free, query: { Mode: "safe" } }
          - allow: { method: GET, path: /free, query: { page: "*" } }
        deny_rules:
          - { method: POST, path: /FREE, query: { force: "true" } }
    binaries: [{ path: /usr/bin/curl }]
`;

const compiled = loadPolicyText(POLICY, "keys.yaml").compiled;

function facts(method: string, path: string, extra: Partial<RequestFacts> = {}): RequestFacts {
  const identity = { exe: "/usr/bin/curl", ancestors: [] };
  return { host: "api.example.com", port: 443, identity, method, path, ...extra };
}

Deno.test("decide() names the query keys an allow's rules judge on its method and path", () => {
  assert.deepEqual(decide(compiled, facts("POST", "/q", { query: "action=read" })).queryKeys, [
    "action",
  ]);
  // A deny's path is matched in lower case; a GET rule's key is not a POST's.
  assert.deepEqual(decide(compiled, facts("POST", "/free")).queryKeys, ["force"]);
  // An override is the origin's method too.
  const overridden = facts("POST", "/free", { methodOverrides: ["PUT"], query: "Mode=safe" });
  assert.deepEqual(decide(compiled, overridden).queryKeys, ["mode", "force"]);
  assert.equal(decide(compiled, facts("GET", "/q")).queryKeys, undefined); // a denial
  assert.equal(decide(compiled, facts("POST", "/q", { query: "action=x" })).verdict, "deny");
});
