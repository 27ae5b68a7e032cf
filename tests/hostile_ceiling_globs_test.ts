/**
 * The org ceiling for binary globs and host patterns as a whole: a grant on
 * `/opt/tools/**` or `**.example.com` is inside a ceiling only if the ceiling grants every
 * binary and host of it, and a ceiling deny on any binary or host it reaches holds. Two sample
 * names decided this (the glob's own text, and one instance two segments or labels deep).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { policyOutsideCeiling } from "../gateway/authority/mod.ts";
import { compilePolicy, parsePolicy } from "../proxy/policy/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";

/** Tools one or two folders under /opt/tools may write; hosts one or two labels deep. */
const CEILING = `version: 1
network_policies:
  tools:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-write }
    binaries: [{ path: "/opt/tools/*" }, { path: "/opt/tools/*/*" }]
  hosts:
    endpoints:
      - { host: "*.example.com", port: 443, protocol: rest, access: read-only }
      - { host: "*.*.example.com", port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;

function proposal(ruleName: string, host: string, method: string, binary: string) {
  return {
    policy: "team",
    ruleName,
    rationale: "r",
    rule: {
      endpoints: [{
        host,
        port: 443,
        protocol: "rest" as const,
        rules: [{ allow: { method, path: "/repos/o/r/contents/x.md" } }],
      }],
      binaries: [{ path: binary }],
    },
  };
}

async function withCeiling(ceiling: string, run: (store: ProposalStore) => Promise<void>) {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), ceiling);
    await run(new ProposalStore({ policiesDir: repo.policies }));
  } finally {
    await repo.cleanup();
  }
}

Deno.test("hostile ceiling globs: a binary glob deeper than the ceiling's binaries is refused at submit", async () => {
  await withCeiling(CEILING, async (store) => {
    // Before: `/opt/tools/**` passed as its own text and as `/opt/tools/w0/w0`, so a person
    // was asked to approve /opt/tools/a/b/c, which the ceiling never allows.
    const deep = await store.submit(proposal("deep", "api.github.com", "PUT", "/opt/tools/**"));
    assert.equal(deep.accepted, false, JSON.stringify(deep));
    assert.match(JSON.stringify(deep), /outside_org_ceiling/);
    const two = await store.submit(proposal("two", "api.github.com", "PUT", "/opt/tools/*/*"));
    assert.ok(two.accepted, JSON.stringify(two));
  });
});

Deno.test("hostile ceiling globs: a host pattern deeper than the ceiling's hosts is refused", async () => {
  await withCeiling(CEILING, async (store) => {
    // Before: `**.example.com` passed as its own text (one label) and as `w0.w0.example.com`.
    const deep = await store.submit(proposal("deep", "**.example.com", "GET", "/usr/bin/curl"));
    assert.equal(deep.accepted, false, JSON.stringify(deep));
    assert.match(JSON.stringify(deep), /outside_org_ceiling/);
    const one = await store.submit(proposal("one", "*.example.com", "GET", "/usr/bin/curl"));
    assert.ok(one.accepted, JSON.stringify(one));
  });
});

/** Any host under example.com may be read and deleted, except on one deep host. */
const DENY_DEEP = `version: 1
network_policies:
  all:
    endpoints:
      - { host: "**.example.com", port: 443, protocol: rest, access: full }
    binaries: [{ path: "/opt/tools/**" }]
  guarded:
    endpoints:
      - host: vault.a.b.example.com
        port: 443
        protocol: rest
        access: full
        deny_rules: [{ method: DELETE, path: "/**" }]
    binaries: [{ path: "/opt/tools/x/y/z" }]
`;

Deno.test("hostile ceiling globs: a ceiling deny on a host or binary the glob reaches holds", () => {
  const ceiling = compilePolicy(parsePolicy(DENY_DEEP, "ceiling.yaml").policy!);
  const rule = (host: string, binary: string) =>
    parsePolicy(
      `version: 1
network_policies:
  wide:
    endpoints:
      - { host: "${host}", port: 443, protocol: rest, rules: [{ allow: { method: DELETE, path: "/x" } }] }
    binaries: [{ path: "${binary}" }]
`,
      "team.yaml",
    ).policy!;
  // Before: neither sample (`**.example.com`, `w0.w0.example.com`; `/opt/tools/**`,
  // `/opt/tools/w0/w0`) is the guarded host or binary, so its deny was never asked.
  for (
    const [host, binary] of [
      ["**.example.com", "/opt/tools/**"],
      ["vault.a.b.example.com", "/opt/tools/**"],
      ["**.example.com", "/opt/tools/x/y/z"],
    ] as [string, string][]
  ) {
    assert.match(policyOutsideCeiling(ceiling, rule(host, binary)) ?? "", /rule "wide" grants/);
  }
  assert.equal(policyOutsideCeiling(ceiling, rule("*.example.com", "/opt/tools/*")), undefined);
});
