/**
 * OpenShell policies checked against OpenShell's sources at 2f7fb655 (2026-08-21): what its
 * parser and validator accept loads here with the same meaning. Every case names the OpenShell
 * file or test its vector comes from; the policies are written for these tests.
 */
import assert from "node:assert/strict";
import { decide, loadPolicyText } from "./mod.ts";
import type { RequestFacts } from "./mod.ts";

const curl = { exe: "/usr/bin/curl", ancestors: [] };

const rule = (endpoint: string) =>
  `version: 1\nnetwork_policies:\n  r:\n    endpoints:\n      - ${endpoint}\n    binaries: [{ path: /usr/bin/curl }]\n`;

function l7(host: string, method: string, path: string, query?: string): RequestFacts {
  return { host, port: 443, identity: curl, method, path, ...(query ? { query } : {}) };
}

Deno.test("OpenShell L7Protocol::parse: protocol REST is rest, and its rules are enforced", () => {
  const { compiled, warnings } = loadPolicyText(
    rule("{ host: api.example.com, port: 443, protocol: REST, access: read-only }"),
    "p.yaml",
  );
  assert.equal(warnings?.length, 1);
  assert.equal(decide(compiled, l7("api.example.com", "GET", "/x")).verdict, "allow");
  const put = decide(compiled, l7("api.example.com", "PUT", "/x"));
  assert.equal(put.verdict, "deny");
  assert.equal(put.layer, "l7");
});

Deno.test("OpenShell validate_l7_policies: a WebDAV method loads with a warning and is matched", () => {
  const { compiled } = loadPolicyText(
    rule(
      `{ host: dav.example.com, port: 443, protocol: rest, rules: [{ allow: { method: PROPFIND, path: "/files/**" } }] }`,
    ),
    "p.yaml",
  );
  assert.equal(decide(compiled, l7("dav.example.com", "PROPFIND", "/files/a")).verdict, "allow");
  assert.equal(decide(compiled, l7("dav.example.com", "propfind", "/files/a")).verdict, "allow");
  assert.equal(decide(compiled, l7("dav.example.com", "MKCOL", "/files/a")).verdict, "deny");
});

Deno.test("OpenShell sandbox-policy.rego glob.match(matcher, [], value): an allow query '*' stops at '.', a deny's does not", () => {
  const { compiled } = loadPolicyText(
    rule(
      `{ host: api.example.com, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: "/dl", query: { tag: "foo-*" } } }], deny_rules: [{ method: GET, path: "/dl", query: { mode: "raw*" } }] }`,
    ),
    "p.yaml",
  );
  const get = (query: string) => decide(compiled, l7("api.example.com", "GET", "/dl", query));
  assert.equal(get("tag=foo-a").verdict, "allow");
  assert.equal(get("tag=foo-1.2").verdict, "deny");
  assert.equal(get("tag=foo-a&mode=raw").reason, "GET /dl blocked by deny rule");
  assert.equal(get("tag=foo-a&mode=raw.x").reason, "GET /dl blocked by deny rule");
});

Deno.test("OpenShell implicit_allowed_ips_for_ip_host: an IP-literal host may be reached without allowed_ips", () => {
  const { compiled } = loadPolicyText(
    `version: 1\nnetwork_policies:\n  db:\n    endpoints:\n      - { host: 10.0.0.5, port: 5432 }\n      - { host: "[fd00::7]", port: 5432 }\n      - { host: db.internal.example, port: 5432 }\n    binaries: [{ path: /usr/bin/psql }]\n`,
    "p.yaml",
  );
  const psql = { exe: "/usr/bin/psql", ancestors: [] };
  const reach = (host: string) => decide(compiled, { host, port: 5432, identity: psql }).allowedIps;
  assert.deepEqual(reach("10.0.0.5"), ["10.0.0.5"]);
  assert.deepEqual(reach("fd00::7"), ["fd00::7"]);
  // A name is not trusted to resolve inward (stricter than OpenShell): it needs allowed_ips.
  assert.equal(reach("db.internal.example"), undefined);
});
