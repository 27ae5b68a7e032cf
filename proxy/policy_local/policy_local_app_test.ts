import assert from "node:assert/strict";
import { BASE, json, post, proposal, PUT_RULE, SKILL, withApp, withRule } from "./_test_fakes.ts";

Deno.test("createPolicyLocalApp() GET /v1/skill serves the markdown", async () => {
  await withApp(async ({ app }) => {
    const res = await app.request(`${BASE}/v1/skill`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/markdown/);
    assert.equal(await res.text(), SKILL);
  });
});

Deno.test("createPolicyLocalApp() GET /v1/policy/current returns yaml, revision, hash", async () => {
  await withApp(async ({ app, policy }) => {
    const res = await app.request(`${BASE}/v1/policy/current`);
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), {
      format: "yaml",
      policy_yaml: policy.current().text,
      revision: 1,
      hash: "hash-1",
    });
  });
});

Deno.test("createPolicyLocalApp() GET /v1/policy/current, made once per policy, follows a reload", async () => {
  await withApp(async ({ app, policy }) => {
    const first = await (await app.request(`${BASE}/v1/policy/current`)).text();
    assert.equal(await (await app.request(`${BASE}/v1/policy/current`)).text(), first);
    policy.publish(withRule("put", PUT_RULE));
    const after = await json(await app.request(`${BASE}/v1/policy/current`));
    assert.equal(after.revision, 2);
    assert.equal(after.policy_yaml, policy.current().text);
    assert.notEqual(after.policy_yaml, JSON.parse(first).policy_yaml);
  });
});

Deno.test("createPolicyLocalApp() unknown routes, methods and failures", async () => {
  await withApp(async ({ app }) => {
    for (const [method, path] of [["GET", "/v1/nope"], ["POST", "/v1/skill"], ["GET", "/"]]) {
      const res = await app.request(`${BASE}${path}`, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(await json(res), {
        error: "not_found",
        detail: `policy.local route not found: ${method} ${path}`,
      });
    }
  });
  await withApp(async ({ app }) => {
    const res = await app.request(`${BASE}/v1/skill`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), {
      error: "internal_error",
      detail: "policy.local failed to handle the request",
    });
    assert.ok(!text.includes("secret path") && !text.includes("at "), text);
  }, { skill: () => Promise.reject(new Error("ENOENT /secret path")) });
});

Deno.test("createPolicyLocalApp() POST /v1/proposals reads ruleName as OpenShell does: trimmed, blank means rule.name", async () => {
  // policy_local.rs policy_chunk_from_add_rule trims ruleName and falls back to rule.name when
  // it is blank: an agent written for OpenShell that sends "" or padded names is not refused.
  await withApp(async ({ app, sink }) => {
    const body = {
      intent_summary: "Upload x.md",
      operations: [
        { addRule: { ruleName: "  ", rule: PUT_RULE } },
        { addRule: { ruleName: " gh_put_y\t", rule: { ...PUT_RULE, name: "other" } } },
      ],
    };
    const res = await post(app, body);
    assert.equal(res.status, 202);
    assert.deepEqual(sink.submitted.map((s) => s.ruleName), ["gh_put_x", "gh_put_y"]);
  });
});

Deno.test("createPolicyLocalApp() POST /v1/proposals submits every addRule", async () => {
  await withApp(async ({ app, sink, events }) => {
    sink.refuse = (input) => input.ruleName === "rule_1" ? ["wildcard\nhost"] : undefined;
    const { name: _, ...unnamed } = PUT_RULE;
    const l4 = {
      endpoints: [{ host: "pypi.org", port: 443 }],
      binaries: [{ path: "/usr/bin/pip" }],
    };
    const body = {
      intent_summary: "Upload x.md",
      operations: [
        { addRule: { rule: PUT_RULE } }, // ruleName falls back to rule.name
        { addRule: { ruleName: "rule_1", rule: l4 } },
        { addRule: { ruleName: "pip_l4", rule: { ...unnamed, ...l4 } } },
      ],
    };
    const res = await post(app, body);
    assert.equal(res.status, 202);
    assert.deepEqual(await json(res), {
      status: "submitted",
      accepted_chunks: 2,
      rejected_chunks: 1,
      rejection_reasons: ["operations[1] (rule_1): wildcard\\nhost"],
      accepted_chunk_ids: ["p-1", "p-3"],
    });
    assert.deepEqual(sink.submitted.map((s) => [s.policy, s.ruleName, s.rationale]), [
      ["demo", "gh_put_x", "Upload x.md"],
      ["demo", "rule_1", "Upload x.md"],
      ["demo", "pip_l4", "Upload x.md"],
    ]);
    assert.deepEqual(sink.submitted[0]!.rule, PUT_RULE);
    assert.deepEqual(events.map((e) => [e.class_uid, e.unmapped?.config_state, e.time]), [
      [5019, "PROPOSED", 1_000],
      [5019, "PROPOSED", 1_000],
    ]);
    assert.equal(
      events[0]!.message,
      "agent proposal p-1 (gh_put_x) on api.github.com:443 PUT /repos/o/r/contents/x.md " +
        "by /usr/bin/curl",
    );
  });
});

const good = PUT_RULE as unknown as Record<string, unknown>;
const badCases: [string, unknown, RegExp][] = [
  ["malformed JSON", '{"intent_summary": ', /^The request body is not valid UTF-8 JSON$/],
  ["a JSON array", "[]", /^The proposal body must be a JSON object$/],
  ["missing intent_summary and operations", {}, /^operations must be/],
  ["intent_summary of the wrong type", { ...proposal(good), intent_summary: 7 }, /intent_summary/],
  ["huge intent_summary", { ...proposal(good), intent_summary: "x".repeat(2001) }, /at most 2000/],
  ["operations not an array", { intent_summary: "x", operations: {} }, /^operations must be/],
  ["no operations", proposal(), /proposal requires at least one operation/],
  [
    "11 operations (10,000 are refused earlier, as more than 1,000 JSON values)",
    { intent_summary: "x", operations: Array.from({ length: 11 }, () => 0) },
    /^operations holds 11 operations; at most 10/,
  ],
  [
    "an unknown operation after a good one",
    { ...proposal(good), operations: [{ addRule: { rule: good } }, { removeRule: "gh_ro" }] },
    /^operations\[1\]: only addRule operations are accepted \(got "removeRule"\)/,
  ],
  [
    "an operation name that is not an identifier is not echoed",
    { intent_summary: "x", operations: [{ "<b>\u001b": 1 }] },
    /^operations\[0\]: only addRule operations are accepted \(got an unsupported operation\)/,
  ],
  [
    "addRule of the wrong type",
    { intent_summary: "x", operations: [{ addRule: "gh" }] },
    /^operations\[0\]\.addRule must be an object/,
  ],
  [
    "no rule name anywhere",
    { intent_summary: "x", operations: [{ addRule: { rule: { ...good, name: undefined } } }] },
    /^operations\[0\]\.addRule\.ruleName \(or rule\.name\) is required$/,
  ],
  [
    "a rule name with a newline",
    { intent_summary: "x", operations: [{ addRule: { ruleName: "a\nb", rule: good } }] },
    /^operations\[0\]\.addRule\.ruleName must be 1 to 64/,
  ],
  [
    "missing host",
    proposal({ endpoints: [{ port: 443 }], binaries: [{ path: "/usr/bin/curl" }] }),
    /^operations\[0\]\.addRule\.rule\.endpoints\[0\]: .*host/,
  ],
  [
    "missing port",
    proposal({ endpoints: [{ host: "api.github.com" }], binaries: [{ path: "/usr/bin/curl" }] }),
    /^operations\[0\]\.addRule\.rule\.endpoints\[0\].*port/,
  ],
  [
    "a port of the wrong type",
    proposal({
      endpoints: [{ host: "api.github.com", port: "443" }],
      binaries: [{ path: "/usr/bin/curl" }],
    }),
    /^operations\[0\]\.addRule\.rule\.endpoints\[0\]\.port: /,
  ],
  [
    "an allow path with a query string",
    proposal({
      endpoints: [{
        host: "api.github.com",
        port: 443,
        protocol: "rest",
        rules: [{ allow: { method: "GET", path: "/search?token=s3cret" } }],
      }],
      binaries: [{ path: "/usr/bin/curl" }],
    }),
    /^operations\[0\]\.addRule\.rule\.endpoints\[0\]\.rules\[0\]\.allow\.path: L7 allow paths must not include query strings$/,
  ],
  [
    "the same rule name twice",
    { intent_summary: "x", operations: [{ addRule: { rule: good } }, { addRule: { rule: good } }] },
    /^operations\[1\]\.addRule\.ruleName "gh_put_x" is used twice/,
  ],
];

for (const [name, body, detail] of badCases) {
  Deno.test(`createPolicyLocalApp() POST /v1/proposals refuses ${name}`, async () => {
    await withApp(async ({ app, sink, events }) => {
      const res = await post(app, body);
      assert.equal(res.status, 400);
      const got = await json(res);
      assert.equal(got.error, "invalid_proposal");
      assert.match(String(got.detail), detail);
      assert.ok(!String(got.detail).includes("s3cret"));
      assert.deepEqual(sink.submitted, [], "nothing reaches the gateway");
      assert.deepEqual(events, []);
    });
  });
}

Deno.test("createPolicyLocalApp() POST /v1/proposals refuses invalid UTF-8", async () => {
  await withApp(async ({ app, sink }) => {
    const res = await app.request(`${BASE}/v1/proposals`, {
      method: "POST",
      body: new Uint8Array([0x7b, 0xff, 0x7d]),
    });
    assert.equal(res.status, 400);
    assert.equal((await json(res)).error, "invalid_proposal");
    assert.deepEqual(sink.submitted, []);
  });
});
