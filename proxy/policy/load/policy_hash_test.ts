import assert from "node:assert/strict";
import { parsePolicy, policyHash } from "../mod.ts";

const base = `# Demo policy
version: 1
revision: 4
network_policies:
  gh_ro:
    name: github-readonly
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;

function hashOf(text: string): string {
  const { policy, issues } = parsePolicy(text, "h.yaml");
  assert.deepEqual(issues, []);
  return policyHash(policy!);
}

Deno.test("policyHash() ignores comments, key order, formatting and spelled-out defaults", () => {
  const h = hashOf(base);
  assert.match(h, /^[0-9a-f]{64}$/);
  const reordered = `network_policies:
  gh_ro:   # the read-only rule
    binaries:
      - path: /usr/bin/curl
    endpoints:
      - access: read-only
        protocol: rest
        ports: [443]          # same as port: 443
        enforcement: enforce  # the default
        host: API.GitHub.com
    name: github-readonly
revision: 4
version: 1
`;
  assert.equal(hashOf(reordered), h);
});

Deno.test("policyHash() changes on a semantic edit and on a revision bump", () => {
  const h = hashOf(base);
  assert.notEqual(hashOf(base.replace("read-only", "read-write")), h);
  assert.notEqual(hashOf(base.replace("/usr/bin/curl", "/usr/bin/wget")), h);
  assert.notEqual(hashOf(base.replace("revision: 4", "revision: 5")), h);
  assert.notEqual(
    hashOf(base.replace("access: read-only }", "access: read-only, enforcement: audit }")),
    h,
  );
});
