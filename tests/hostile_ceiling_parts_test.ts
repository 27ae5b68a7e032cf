/**
 * A host pattern is inside the org ceiling only where the ceiling judges every host of it the
 * same way. A plain L4 grant authorizes no request where the same binary has an L7 grant on
 * that host (decide.ts), so a ceiling that lets curl reach `*.example.com` but only read
 * `api.example.com` never lets any binary write to api.example.com: a proposed
 * `*.example.com` (a blind tunnel, or `DELETE /**`) would, and must be outside.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { policyOutsideCeiling } from "../gateway/authority/mod.ts";
import { compilePolicy, decide, type Endpoint, parsePolicy } from "../proxy/policy/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";

const CEILING = `version: 1
network_policies:
  example_hosts:
    endpoints: [{ host: "*.example.com", port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  example_api:
    endpoints: [{ host: api.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  github_read:
    endpoints: [{ host: "*.github.com", port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
  github_api:
    endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-write }]
    binaries: [{ path: /usr/bin/curl }]
`;

function proposal(ruleName: string, endpoint: Endpoint) {
  return {
    policy: "team",
    ruleName,
    rationale: "r",
    rule: { endpoints: [endpoint], binaries: [{ path: "/usr/bin/curl" }] },
  };
}

const tunnel: Endpoint = { host: "*.example.com", port: 443 };
const deleteAll: Endpoint = {
  host: "*.example.com",
  port: 443,
  protocol: "rest",
  rules: [{ allow: { method: "DELETE", path: "/**" } }],
};

async function withCeiling(run: (store: ProposalStore, policies: string) => Promise<void>) {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING);
    await run(new ProposalStore({ policiesDir: repo.policies }), repo.policies);
  } finally {
    await repo.cleanup();
  }
}

Deno.test("hostile ceiling parts: the ceiling never lets curl write to api.example.com", () => {
  const ceiling = compilePolicy(parsePolicy(CEILING, "ceiling.yaml").policy!);
  const curl = { exe: "/usr/bin/curl", ancestors: [] };
  const at = { host: "api.example.com", port: 443, identity: curl, now: Date.now() };
  assert.equal(decide(ceiling, at).inspect, true);
  assert.equal(decide(ceiling, { ...at, method: "DELETE", path: "/repos/x" }).verdict, "deny");
  assert.equal(decide(ceiling, { ...at, method: "GET", path: "/repos/x" }).verdict, "allow");
  // The rule alone is a blind tunnel there: whatever curl sends inside it goes.
  const alone = compilePolicy({
    version: 1,
    revision: 0,
    network_policies: { wide: { endpoints: [tunnel], binaries: [{ path: "/usr/bin/curl" }] } },
  });
  const d = decide(alone, at);
  assert.equal(d.verdict, "allow");
  assert.equal(d.inspect, false);
});

Deno.test("hostile ceiling parts: a host pattern over a host the ceiling inspects is refused at submit", async () => {
  await withCeiling(async (store, policies) => {
    const before = await Deno.readTextFile(join(policies, "team.yaml"));
    // Before: both were inside (the pattern was asked as one witness host, which only the
    // L4 `*.example.com` grant holds), so a person could approve curl deleting on api.
    for (const [name, endpoint] of [["tunnel", tunnel], ["delete_all", deleteAll]] as const) {
      const r = await store.submit(proposal(name, endpoint));
      assert.equal(r.accepted, false, `${name}: ${JSON.stringify(r)}`);
      assert.match(JSON.stringify(r), /outside_org_ceiling/, name);
    }
    assert.equal(await Deno.readTextFile(join(policies, "team.yaml")), before);
    // A host the ceiling tunnels to stays inside, and so does a pattern whose every host the
    // ceiling inspects with a path-less REST endpoint (api.github.com only adds writes).
    const www = await store.submit(proposal("www", { host: "www.example.com", port: 443 }));
    assert.ok(www.accepted, JSON.stringify(www));
    const read: Endpoint = {
      host: "*.github.com",
      port: 443,
      protocol: "rest",
      access: "read-only",
    };
    const gh = await store.submit(proposal("gh_read", read));
    assert.ok(gh.accepted, JSON.stringify(gh));
  });
});

Deno.test("hostile ceiling parts: a sandbox policy holding such a pattern is outside the ceiling", () => {
  const ceiling = compilePolicy(parsePolicy(CEILING, "ceiling.yaml").policy!);
  for (const endpoint of [tunnel, deleteAll]) {
    const policy = {
      version: 1 as const,
      revision: 0,
      network_policies: { wide: { endpoints: [endpoint], binaries: [{ path: "/usr/bin/curl" }] } },
    };
    assert.match(policyOutsideCeiling(ceiling, policy) ?? "inside", /rule "wide" grants/);
  }
});
