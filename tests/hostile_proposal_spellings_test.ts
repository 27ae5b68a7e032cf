/**
 * A hostile agent against the duplicate check: one rule written in spellings that grant the same
 * thing (host or REST method in another case, `port` as `ports`, a binary or a rule listed
 * twice). Before, each was a pending proposal of its own: a line in the inbox and a notification
 * each, up to the sandbox's pending cap, and a reviewer approving one found the others waiting
 * as "already covered". Now each is answered with the pending proposal that already asks for it.
 */
import assert from "node:assert/strict";
import { ProposalStore } from "../gateway/mod.ts";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";

function docs(endpoint: Record<string, unknown>, binaries = ["/usr/bin/curl"], name = "docs") {
  return {
    policy: "team",
    sandbox: "sb-1",
    ruleName: name,
    rationale: "read the docs",
    rule: { endpoints: [endpoint], binaries: binaries.map((path) => ({ path })) },
  } as unknown as ProposalInput;
}

const GET_X = { allow: { method: "GET", path: "/x" } };
const DENY_A = { method: "POST", path: "/x/admin" };
const DENY_B = { method: "DELETE", path: "/x" };
const BASE = { host: "api.example.com", port: 443, protocol: "rest", rules: [GET_X] };

Deno.test("hostile proposal spellings: spellings of one rule are one pending proposal", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const first = await store.submit(docs(BASE));
    assert.ok(first.accepted);
    const spellings = [
      docs({ ...BASE, host: "API.Example.COM" }, undefined, "docs_upper"),
      docs({ ...BASE, rules: [{ allow: { method: "get", path: "/x" } }] }),
      docs({ ...BASE, port: undefined, ports: [443] }),
      docs({ ...BASE, rules: [GET_X, GET_X] }),
      docs(BASE, ["/usr/bin/curl", "/usr/bin/curl"]),
    ];
    for (const input of spellings) {
      const r = await store.submit(input);
      assert.ok(r.accepted, JSON.stringify(r));
      assert.equal(r.proposal.id, first.proposal.id, JSON.stringify(input.rule));
    }
    assert.equal((await store.list({ status: "pending" })).length, 1);
    // What differs in what it grants stays a proposal of its own.
    const others = [
      docs({ ...BASE, rules: [{ allow: { method: "GET", path: "/X" } }] }),
      docs({ ...BASE, port: 8443 }),
      docs(BASE, ["/usr/bin/wget"]),
      { ...docs(BASE), sandbox: "sb-2" },
    ];
    for (const input of others) {
      const r = await store.submit(input);
      assert.ok(r.accepted && r.proposal.id !== first.proposal.id, JSON.stringify(input.rule));
    }
  } finally {
    await repo.cleanup();
  }
});

const OTHER = { host: "docs.example.com", port: 443, protocol: "rest", rules: [GET_X] };
const GET_Y = { allow: { method: "GET", path: "/y" } };

function pair(endpoints: Record<string, unknown>[], name = "docs") {
  const input = docs(endpoints[0]!, undefined, name);
  return { ...input, rule: { ...input.rule, endpoints } } as unknown as ProposalInput;
}

Deno.test("hostile proposal spellings: the order of endpoints, rules and denies is one rule", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const both = { ...BASE, rules: [GET_X, GET_Y], deny_rules: [DENY_A, DENY_B] };
    const first = await store.submit(pair([both, OTHER]));
    assert.ok(first.accepted, JSON.stringify(first));
    const spellings = [
      pair([OTHER, both], "docs_swapped"),
      pair([{ ...both, rules: [GET_Y, GET_X] }, OTHER]),
      pair([{ ...both, deny_rules: [DENY_B, DENY_A] }, OTHER]),
      // Deny paths match without case (decide() lowers the path), so `/Admin` denies `/admin`.
      pair([{ ...both, deny_rules: [DENY_A, { method: "DELETE", path: "/X" }] }, OTHER]),
      pair([both, OTHER, OTHER]),
    ];
    for (const input of spellings) {
      const r = await store.submit(input);
      assert.ok(r.accepted, JSON.stringify(r));
      assert.equal(r.proposal.id, first.proposal.id, JSON.stringify(input.rule));
    }
    // Paths not in their matched form never reach the duplicate check: they are refused.
    for (const path of ["/a/../x", "//x", "/%78", "/x;p"]) {
      const rules = [{ allow: { method: "GET", path } }];
      const r = await store.submit(pair([{ ...BASE, rules }], "docs_path"));
      assert.ok(!r.accepted && /non_canonical_path/.test(r.reasons.join()), path);
    }
    // A trailing `/` is another path to the matcher, so another ask.
    const slash = await store.submit(
      pair([{ ...both, rules: [GET_X, { allow: { method: "GET", path: "/y/" } }] }, OTHER]),
    );
    assert.ok(slash.accepted && slash.proposal.id !== first.proposal.id);
    assert.equal((await store.list({ status: "pending" })).length, 2);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile proposal spellings: MCP method names keep their case", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const mcp = (method: string) =>
      docs(
        {
          host: "mcp.example.com",
          port: 443,
          protocol: "mcp",
          path: "/mcp",
          rules: [{ allow: { method } }],
        },
        undefined,
        `mcp_${method.replace(/\W/g, "_")}`,
      );
    const a = await store.submit(mcp("tools/list"));
    const b = await store.submit(mcp("TOOLS/LIST"));
    assert.ok(a.accepted && b.accepted, JSON.stringify([a, b]));
    assert.notEqual(a.proposal.id, b.proposal.id);
  } finally {
    await repo.cleanup();
  }
});
