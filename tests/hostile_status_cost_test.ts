/**
 * A hostile agent against the gateway's CPU: policy.local's `GET /v1/proposals/:id` (and each
 * `/wait`) asks the gateway for the proposal's state, which holds what approval would write
 * now (`candidate_effective_policy_hash`, `application_error`): the candidate policy parsed and
 * compiled, checked against the org ceiling. Nothing limits how often an agent asks. Asked again
 * with nothing changed, the answer must come without parsing or compiling a policy again: the
 * ceiling was compiled afresh on every ask, and a sandbox cycling over more pending proposals
 * than the policy cache holds had every candidate compiled again on every ask (32 such loops
 * on a 500-rule policy took another sandbox's gateway calls from 2 ms to 170 ms).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { PolicyCache, ProposalStore } from "../gateway/mod.ts";
import { curlArgs, syntheticPolicy } from "./support/mod.ts";
import { notesProposal } from "./gateway_fixtures.ts";
import { withProxyOnGateway } from "./proxy_on_gateway.ts";

const PROPOSALS = 12; // more than the policy cache's 8 entries

function rule(i: number) {
  return {
    endpoints: [{
      host: "status-cost.example.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "GET", path: `/status-cost/${i}` } }],
    }],
    binaries: [{ path: "/usr/bin/tool-1" }],
  };
}

const CEILING_RULE = `  status_cost_reads:
    endpoints:
      - { host: status-cost.example.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/tool-1 }]
`;

async function world(cacheSize?: number) {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-status-cost-" });
  const text = stringify(syntheticPolicy(60), { lineWidth: 0 })
    .replace("revision: 0\n", "# tollgate-revision: 0\n");
  await Deno.writeTextFile(join(dir, "team.yaml"), text);
  // A ceiling that holds the policy and every proposal below.
  await Deno.writeTextFile(join(dir, "ceiling.yaml"), text + CEILING_RULE);
  const cache = new PolicyCache(cacheSize);
  const store = new ProposalStore({ policiesDir: dir, policyCache: cache });
  const ids: string[] = [];
  for (let i = 0; i < PROPOSALS; i++) {
    const result = await store.submit({
      policy: "team",
      ruleName: `status_cost_${i}`,
      rule: rule(i),
      rationale: "r",
      sandbox: `sb-${i % 2}`,
    } as never);
    assert.ok(result.accepted, JSON.stringify(result));
    ids.push(result.proposal!.id);
  }
  return { dir, cache, store, ids };
}

Deno.test("hostile status cost: asking a proposal's state again, nothing changed, parses and compiles no policy", async () => {
  const { dir, cache, store, ids } = await world();
  try {
    const first = await Promise.all(ids.map((id) => store.status(id)));
    for (const state of first) {
      assert.equal(state!.applicationError, "", JSON.stringify(state));
      assert.notEqual(state!.candidatePolicyHash, "");
    }
    const loads = cache.loads;
    for (let round = 0; round < 3; round++) {
      for (const id of ids) {
        const again = await store.status(id);
        assert.deepEqual(again, first[ids.indexOf(id)]);
      }
    }
    assert.equal(cache.loads - loads, 0, "policies parsed and compiled again for the same answers");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostile status cost: candidates asked after do not push the policy or the ceiling out of the cache", async () => {
  // Two entries: before, each candidate pushed out the policy or the ceiling, so every ask, in
  // any order, loaded them again (and a ceiling loaded again missed every remembered view).
  const { dir, cache, store, ids } = await world(2);
  try {
    const first = [];
    for (const id of ids) first.push(await store.status(id));
    const loads = cache.loads;
    for (const id of [...ids].reverse()) {
      assert.deepEqual(await store.status(id), first[ids.indexOf(id)]);
    }
    assert.equal(cache.loads - loads, 0, "policies parsed and compiled again for the same answers");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostile status cost: the state still follows the policy, the patch's seal and the ceiling", async () => {
  const { dir, store, ids } = await world();
  try {
    const before = (await store.status(ids[1]!))!;
    // Another approval moves the policy: the candidate is computed against the new text.
    await store.approve(ids[0]!, { approvedBy: "alice" });
    const moved = (await store.status(ids[1]!))!;
    assert.notEqual(moved.currentPolicyHash, before.currentPolicyHash);
    assert.notEqual(moved.candidatePolicyHash, before.candidatePolicyHash);
    // A ceiling that no longer holds the host: approval would refuse it, and the state says so.
    await Deno.writeTextFile(join(dir, "ceiling.yaml"), "version: 1\nnetwork_policies: {}\n");
    const capped = (await store.status(ids[1]!))!;
    assert.match(capped.applicationError ?? "", /ceiling/, JSON.stringify(capped));
    // An unreadable ceiling refuses everything new, asked again or not.
    await Deno.writeTextFile(join(dir, "ceiling.yaml"), "version: [\n");
    assert.match((await store.status(ids[2]!))!.applicationError ?? "", /ceiling/);
    assert.match((await store.status(ids[2]!))!.applicationError ?? "", /ceiling/);
    await Deno.remove(join(dir, "ceiling.yaml"));
    assert.equal((await store.status(ids[2]!))!.applicationError, "");
    // A patch edited after submit no longer matches its seal.
    const patch = join(dir, "pending", `${ids[3]}.patch`);
    await Deno.writeTextFile(patch, (await Deno.readTextFile(patch)).replace("r\n", "rr\n"));
    assert.match(
      (await store.status(ids[3]!))!.applicationError ?? "",
      /changed since it was submitted/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Established client sockets to `port` on 127.0.0.1 (the proxy's side of its gateway calls). */
function connectionsTo(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return Deno.readTextFileSync("/proc/net/tcp").split("\n").filter((line) => {
    const [, , remote, state] = line.trim().split(/\s+/);
    return remote?.endsWith(hex) && state === "01";
  }).length;
}

Deno.test("hostile status cost: a sandbox's parallel status asks reach the gateway one at a time", async () => {
  await withProxyOnGateway(async ({ gateway, port }) => {
    const proxy = ["-x", `http://127.0.0.1:${port}`];
    const submitted = await curlArgs([
      ...proxy,
      ...["-H", "Content-Type: application/json", "--data", JSON.stringify(notesProposal())],
      "http://policy.local/v1/proposals",
    ]);
    const id = /"accepted_chunk_ids":\["([^"]+)"/.exec(submitted.body)?.[1];
    assert.ok(id, submitted.body);
    const before = connectionsTo(gateway.port);
    // 16 parallel clients, each asking 5 times in a row on one kept-alive connection.
    const url = `http://policy.local/v1/proposals/${id}`;
    const runs = await Promise.all(
      Array.from({ length: 16 }, () => curlArgs([...proxy, url, url, url, url, url])),
    );
    for (const run of runs) assert.equal(run.status, 200, run.body);
    // Each ask in flight at the gateway needs a connection of its own: one at a time, one.
    assert.ok(
      connectionsTo(gateway.port) - before <= 1,
      `${connectionsTo(gateway.port) - before} more connections to the gateway`,
    );
  });
});
