import assert from "node:assert/strict";
import { compilePolicy, decide } from "../mod.ts";
import type { Decision, RequestFacts } from "../mod.ts";
import { compiled, CURL, GH, GIT, l4, l7 } from "./_decide_fixtures.ts";
import { hostCases } from "./_decide_cases_hosts.ts";
import { binaryCases } from "./_decide_cases_binaries.ts";
import { restCases } from "./_decide_cases_rest.ts";
import { queryCases } from "./_decide_cases_query.ts";

// The table is split by theme across the _decide_cases_*.ts files, run here in one test.
const cases = [...hostCases, ...binaryCases, ...restCases, ...queryCases];

Deno.test("decide() decision table", async (t) => {
  assert.ok(cases.length >= 60, `only ${cases.length} cases`);
  for (const c of cases) {
    await t.step(c.name, () => {
      const d = decide(compiled, c.facts);
      assert.equal(d.verdict, c.verdict, d.reason);
      assert.equal(d.reason, c.reason);
      if (c.layer) assert.equal(d.layer, c.layer);
      if (c.policy !== undefined) assert.equal(d.policy, c.policy ?? undefined);
      for (const [k, v] of Object.entries(c.also ?? {})) {
        assert.deepEqual(d[k as keyof Decision], v, k);
      }
      assert.equal(d.host, c.facts.host);
      assert.equal(d.port, c.facts.port);
      if (c.verdict === "allow") assert.equal(d.ruleMissing, undefined);
    });
  }
});

Deno.test("decide() with no network policies", () => {
  const empty = compilePolicy({ version: 1, revision: 0, network_policies: {} });
  const d = decide(empty, l4(GH, 443));
  assert.deepEqual(d, {
    verdict: "deny",
    layer: "l4",
    reason: "network connections not allowed by policy",
    host: GH,
    port: 443,
    binary: "/usr/bin/curl",
    ruleMissing: { type: "l4_allow", layer: "l4", host: GH, port: 443, binary: "/usr/bin/curl" },
  });
});

Deno.test("decide() ruleMissing shape for an L7 denial", () => {
  const d = decide(compiled, l7(GH, "PUT", "/repos/o/r/contents/x.md", CURL, "token=s3cret"));
  assert.deepEqual(d, {
    verdict: "deny",
    layer: "l7",
    reason: "PUT /repos/o/r/contents/x.md not permitted by policy",
    policy: "gh_ro",
    host: GH,
    port: 443,
    binary: "/usr/bin/curl",
    method: "PUT",
    path: "/repos/o/r/contents/x.md",
    ruleMissing: {
      type: "rest_allow",
      layer: "l7",
      method: "PUT",
      path: "/repos/o/r/contents/x.md",
      host: GH,
      port: 443,
      binary: "/usr/bin/curl",
    },
  });
  assert.ok(!JSON.stringify(d).includes("s3cret"), "query must never appear in a decision");
});

Deno.test("decide() is total on odd input", () => {
  const odd: RequestFacts[] = [
    { host: "", port: 0, identity: CURL },
    { host: GH, port: 443, identity: CURL, method: "GET" },
    { host: GH, port: 443, identity: CURL, method: "", path: "" },
    {
      host: "git.example.com",
      port: 443,
      identity: GIT,
      method: "GET",
      path: "/search",
      query: "q=%E0%A4%A&&=&page",
    },
  ];
  for (const f of odd) assert.equal(decide(compiled, f).verdict, "deny");
});
