/**
 * The org ceiling for a binary glob or an any-binary rule, binary by binary: where the ceiling
 * lets a glob's binaries tunnel to a host but inspects one of them there (`/usr/bin/*` as L4,
 * `/usr/bin/curl` read-only), `decide()` gives curl its L7 grants only, so the ceiling never lets
 * curl write there. Asked as a whole, `/usr/bin/*` with `DELETE /**` (or a tunnel, or any binary)
 * was inside the ceiling, and a person could approve curl deleting on that host.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import type { NetworkRule } from "../proxy/policy/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";

const HOST = "files.example.com";

/** Every tool of /usr/bin tunnels to the host; curl only reads there. */
const GLOB_CEILING = `version: 1
network_policies:
  tools:
    endpoints: [{ host: ${HOST}, port: 443 }]
    binaries: [{ path: "/usr/bin/*" }]
  curl_ro:
    endpoints: [{ host: ${HOST}, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/curl }]
`;

/** Any binary tunnels to the host; curl only reads there. */
const ANY_CEILING = GLOB_CEILING.replace(`    binaries: [{ path: "/usr/bin/*" }]\n`, "");

function rule(binaries: string[] | undefined, method?: string): NetworkRule {
  const endpoint = method === undefined ? { host: HOST, port: 443 } : {
    host: HOST,
    port: 443,
    protocol: "rest" as const,
    rules: [{ allow: { method, path: "/**" } }],
  };
  const out: NetworkRule = { endpoints: [endpoint] };
  if (binaries) out.binaries = binaries.map((path) => ({ path }));
  return out;
}

async function submitUnder(ceiling: string, ruleName: string, proposed: NetworkRule) {
  const repo = await makeRepo();
  try {
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), ceiling);
    const store = new ProposalStore({ policiesDir: repo.policies });
    return await store.submit({ policy: "team", ruleName, rule: proposed, rationale: "r" });
  } finally {
    await repo.cleanup();
  }
}

Deno.test("hostile ceiling binary parts: a binary glob is outside where the ceiling inspects one of its binaries otherwise", async () => {
  for (const method of ["DELETE", undefined]) {
    const res = await submitUnder(GLOB_CEILING, "all_tools", rule(["/usr/bin/*"], method));
    assert.equal(res.accepted, false, `${method ?? "L4"}: ${JSON.stringify(res)}`);
    assert.match(JSON.stringify(res), /outside_org_ceiling/);
  }
  // The same grant for curl alone was outside before too: the glob now reads as its parts.
  const curl = await submitUnder(GLOB_CEILING, "curl_del", rule(["/usr/bin/curl"], "DELETE"));
  assert.equal(curl.accepted, false, JSON.stringify(curl));
});

Deno.test("hostile ceiling binary parts: a rule for any binary is outside where the ceiling inspects one binary otherwise", async () => {
  for (const method of ["DELETE", undefined]) {
    const res = await submitUnder(ANY_CEILING, "anyone", rule(undefined, method));
    assert.equal(res.accepted, false, `${method ?? "L4"}: ${JSON.stringify(res)}`);
    assert.match(JSON.stringify(res), /outside_org_ceiling/);
  }
});

Deno.test("hostile ceiling binary parts: what the ceiling grants every binary of the glob stays inside", async () => {
  // curl may GET there, and so may every other tool: the part asked alone is inside too.
  const read = await submitUnder(GLOB_CEILING, "all_read", rule(["/usr/bin/*"], "GET"));
  assert.ok(read.accepted, JSON.stringify(read));
  const anyRead = await submitUnder(ANY_CEILING, "any_read", rule(undefined, "GET"));
  assert.ok(anyRead.accepted, JSON.stringify(anyRead));
  // A glob that holds no inspected binary is judged as before.
  const other = await submitUnder(GLOB_CEILING, "git_tunnel", rule(["/usr/bin/g*"]));
  assert.ok(other.accepted, JSON.stringify(other));
});

/** curl tunnels to every host of example.com but only calls one JSON-RPC method on rpc. */
const JSON_RPC_CEILING = `version: 1
network_policies:
  any_host:
    endpoints: [{ host: "*.example.com", port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  rpc:
    endpoints:
      - host: rpc.example.com
        port: 443
        protocol: json-rpc
        rules: [{ allow: { method: reports.list } }]
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("hostile ceiling parts: a JSON-RPC endpoint on one host of a pattern narrows it as a REST one does", async () => {
  // Before: only rest, graphql and mcp endpoints counted as inspecting part of a pattern, so a
  // *.example.com tunnel for curl was inside, though the ceiling lets curl call one method there.
  const tunnel = {
    endpoints: [{ host: "*.example.com", port: 443 }],
    binaries: [{ path: "/usr/bin/curl" }],
  };
  const res = await submitUnder(JSON_RPC_CEILING, "tunnel", tunnel);
  assert.equal(res.accepted, false, JSON.stringify(res));
  assert.match(JSON.stringify(res), /outside_org_ceiling/);
});
