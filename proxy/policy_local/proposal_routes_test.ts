import assert from "node:assert/strict";
import { BASE, type Harness, json, post, PUT_RULE, withApp, withRule } from "./_test_fakes.ts";

async function submitted(h: Harness): Promise<string> {
  const res = await post(h.app, {
    intent_summary: "Write x.md",
    operations: [{ addRule: { rule: PUT_RULE } }],
  });
  assert.equal(res.status, 202);
  const body = await json(res);
  return (body.accepted_chunk_ids as string[])[0]!;
}

function get(h: Harness, path: string): Promise<Response> {
  return Promise.resolve(h.app.request(`${BASE}${path}`));
}

const pending = {
  status: "pending",
  rule_name: "gh_put_x",
  binary: "/usr/bin/curl",
  binaries: ["/usr/bin/curl"],
  rejection_reason: "",
  validation_result: "passed: no findings",
  application_error: "",
  review_token: "",
  current_effective_policy_hash: "",
  candidate_effective_policy_hash: "",
};

Deno.test("createPolicyLocalApp() GET /v1/proposals/:id reports each state", async () => {
  await withApp(async (h) => {
    const id = await submitted(h);
    assert.deepEqual(await json(await get(h, `/v1/proposals/${id}`)), { chunk_id: id, ...pending });

    h.sink.decide(id, {
      status: "rejected",
      rejectionReason: "scope to docs/ only\n(no wildcards)",
      guidance: "too_broad",
      findings: [{ code: "use_l7_not_l4", severity: "warn", message: "host has an L7 endpoint" }],
    });
    assert.deepEqual(await json(await get(h, `/v1/proposals/${id}`)), {
      chunk_id: id,
      ...pending,
      status: "rejected",
      rejection_reason: "scope to docs/ only\\n(no wildcards)",
      guidance: "too_broad",
      validation_result: "1 finding(s): warn use_l7_not_l4: host has an L7 endpoint",
    });

    h.sink.decide(id, { status: "approved", rejectionReason: undefined, guidance: undefined });
    const notYet = await json(await get(h, `/v1/proposals/${id}`));
    assert.equal(notYet.policy_reloaded, false);
    h.policy.publish(withRule("gh_put_x", PUT_RULE));
    const live = await json(await get(h, `/v1/proposals/${id}`));
    assert.equal(live.status, "approved");
    assert.equal(live.policy_reloaded, true);
  });
});

Deno.test("createPolicyLocalApp() proposal routes refuse bad and unknown ids", async () => {
  await withApp(async (h) => {
    for (const path of ["/v1/proposals/p-404", "/v1/proposals/p-404/wait?timeout=1"]) {
      const res = await get(h, path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(await json(res), {
        error: "chunk_not_found",
        detail: "chunk 'p-404' is not present in this sandbox's draft policy",
      });
    }
    for (const id of ["a.b", "x%24y", "a".repeat(65), "%0A"]) {
      const res = await get(h, `/v1/proposals/${id}`);
      assert.equal(res.status, 400, id);
      assert.equal((await json(res)).error, "invalid_proposal_id");
    }
  });
});

Deno.test("createPolicyLocalApp() proposal routes without or with a broken gateway", async () => {
  await withApp(async (h) => {
    for (const res of [await post(h.app, {}), await get(h, "/v1/proposals/p-1")]) {
      assert.equal(res.status, 503);
      assert.equal((await json(res)).error, "gateway_unavailable");
    }
    const res = await get(h, "/v1/proposals/p-1/wait");
    assert.equal(res.status, 503);
    await res.body?.cancel();
  }, { sink: undefined });
  await withApp(async (h) => {
    h.sink.failing = true;
    const submit = await post(h.app, {
      intent_summary: "x",
      operations: [{ addRule: { rule: PUT_RULE } }],
    });
    assert.equal(submit.status, 502);
    assert.deepEqual(await json(submit), {
      error: "gateway_unavailable",
      detail: "The policy gateway did not answer; try again in a few seconds",
    });
    for (const path of ["/v1/proposals/p-1", "/v1/proposals/p-1/wait"]) {
      const res = await get(h, path);
      assert.equal(res.status, 502, path);
      assert.equal((await json(res)).error, "gateway_unavailable");
    }
  });
});

Deno.test("createPolicyLocalApp() /wait returns at once for a proposal decided before", async () => {
  await withApp(async (h) => {
    const id = await submitted(h);
    h.sink.decide(id, { status: "rejected", rejectionReason: "too wide", guidance: "too_broad" });
    const body = await json(await get(h, `/v1/proposals/${id}/wait?timeout=300`));
    assert.deepEqual(body, {
      chunk_id: id,
      ...pending,
      status: "rejected",
      rejection_reason: "too wide",
      guidance: "too_broad",
    });
  });
});

Deno.test("createPolicyLocalApp() /wait resolves when the decision lands during the wait", async () => {
  await withApp(async (h) => {
    const id = await submitted(h);
    const waiting = get(h, `/v1/proposals/${id}/wait?timeout=300`);
    setTimeout(() => h.sink.decide(id, { status: "rejected", rejectionReason: "no" }), 20);
    const body = await json(await waiting);
    assert.equal(body.status, "rejected");
    assert.equal(body.rejection_reason, "no");
    assert.equal(body.timed_out, undefined);
  });
});

Deno.test("createPolicyLocalApp() /wait holds an approval until the proxy enforces it", async () => {
  await withApp(async (h) => {
    const id = await submitted(h);
    const waiting = get(h, `/v1/proposals/${id}/wait?timeout=300`);
    setTimeout(() => h.sink.decide(id, { status: "approved", approvedRevision: 2 }), 10);
    setTimeout(() => h.policy.publish(withRule("unrelated", { ...PUT_RULE, binaries: [] })), 30);
    setTimeout(() => h.policy.publish(withRule("gh_put_x", PUT_RULE)), 60);
    const body = await json(await waiting);
    assert.deepEqual(body, { chunk_id: id, ...pending, status: "approved", policy_reloaded: true });
  });
});

Deno.test("createPolicyLocalApp() /wait times out pending (timeout=-1 is clamped to 1 s)", async () => {
  await withApp(async (h) => {
    const id = await submitted(h);
    const body = await json(await get(h, `/v1/proposals/${id}/wait?timeout=-1`));
    assert.deepEqual(body, { chunk_id: id, ...pending, timed_out: true });
  });
});

Deno.test("createPolicyLocalApp() /wait reports an approval the proxy never loaded", async () => {
  await withApp(async (h) => {
    const id = await submitted(h);
    h.sink.decide(id, { status: "approved" });
    const body = await json(await get(h, `/v1/proposals/${id}/wait?timeout=1`));
    assert.equal(body.status, "approved");
    assert.equal(body.policy_reloaded, false);
    assert.equal(body.timed_out, undefined);
  });
});

Deno.test("createPolicyLocalApp() refuses submits past the sandbox's burst with 429", async () => {
  await withApp(async (h) => {
    const body = { intent_summary: "Write x.md", operations: [{ addRule: { rule: PUT_RULE } }] };
    for (let i = 0; i < 40; i++) assert.equal((await post(h.app, body)).status, 202, String(i));
    const refused = await post(h.app, body);
    assert.equal(refused.status, 429);
    const answer = await json(refused);
    assert.equal(answer.error, "too_many_submits");
    assert.match(answer.detail as string, /try again in 1 s$/);
  });
});
