import assert from "node:assert/strict";
import { BASE, FakeSink, json, ours, PUT_RULE, withApp } from "./_test_fakes.ts";
import { POLICY_LOCAL_LIMITS } from "./limits.ts";

const encoder = new TextEncoder();

/** A body stream with no Content-Length: `chunks` pieces, then end (or stall forever). */
function streamOf(chunks: Uint8Array[], stall: boolean): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (!stall) controller.close();
      // else: leave the read pending, as a client that stopped sending would
    },
  });
}

function postStream(
  app: Parameters<Parameters<typeof withApp>[0]>[0]["app"],
  body: ReadableStream<Uint8Array>,
): Promise<Response> {
  return Promise.resolve(
    app.request(`${BASE}/v1/proposals`, { method: "POST", body, duplex: "half" } as RequestInit),
  );
}

const valid = JSON.stringify({
  intent_summary: "x",
  operations: [{ addRule: { rule: PUT_RULE } }],
});

Deno.test("createPolicyLocalApp() refuses a body whose Content-Length is over 64 KiB", async () => {
  await withApp(async ({ app, sink }) => {
    const big = " ".repeat(POLICY_LOCAL_LIMITS.maxBodyBytes) + valid;
    const res = await app.request(`${BASE}/v1/proposals`, { method: "POST", body: big });
    assert.equal(res.status, 413);
    assert.equal((await json(res)).error, "payload_too_large");
    // A declared length alone is enough: the body is not read at all.
    const declared = await app.request(`${BASE}/v1/proposals`, {
      method: "POST",
      body: valid,
      headers: { "content-length": String(POLICY_LOCAL_LIMITS.maxBodyBytes + 1) },
    });
    assert.equal(declared.status, 413);
    assert.deepEqual(await json(declared), {
      error: "payload_too_large",
      detail: "The request body exceeds 65536 bytes; propose fewer or smaller rules",
    });
    assert.deepEqual(sink.submitted, []);
  });
});

Deno.test("createPolicyLocalApp() refuses a chunked body that grows past 64 KiB", async () => {
  await withApp(async ({ app, sink }) => {
    const piece = encoder.encode(" ".repeat(16 * 1024));
    const res = await postStream(app, streamOf(Array(5).fill(piece), true));
    assert.equal(res.status, 413);
    assert.equal((await json(res)).error, "payload_too_large");
    assert.deepEqual(sink.submitted, []);
  });
});

Deno.test("createPolicyLocalApp() accepts a chunked body within the limit", async () => {
  await withApp(async ({ app, sink }) => {
    const bytes = encoder.encode(valid);
    const res = await postStream(app, streamOf([bytes.slice(0, 10), bytes.slice(10)], false));
    assert.equal(res.status, 202);
    await res.body?.cancel();
    assert.equal(sink.submitted.length, 1);
  });
});

Deno.test("createPolicyLocalApp() answers 408 to a client that stalls mid-body", async () => {
  await withApp(async ({ app, sink }) => {
    const res = await postStream(app, streamOf([encoder.encode(valid.slice(0, 20))], true));
    assert.equal(res.status, 408);
    assert.deepEqual(await json(res), {
      error: "request_timeout",
      detail: "The request body did not arrive in time; send it in one go",
    });
    assert.deepEqual(sink.submitted, []);
  }, { bodyTimeoutMs: 50 });
});

Deno.test("createPolicyLocalApp() clamps last= to 1..100", async () => {
  await withApp(async ({ app, logDir }) => {
    const cases: [string, number][] = [
      ["", 10],
      ["?last=abc", 10],
      ["?last=1", 1],
      ["?last=0", 1],
      ["?last=-3", 1],
      ["?last=100000", 100],
      ["?last=99999999999999999999", 100],
    ];
    await writeDenials(logDir, 120);
    for (const [query, expected] of cases) {
      const body = await json(await app.request(`${BASE}/v1/denials${query}`));
      assert.equal((body.denials as unknown[]).length, expected, query);
    }
  });
});

async function writeDenials(logDir: string, n: number): Promise<void> {
  const { OcsfLog, ocsfEventFromDecision } = await import("../ocsf/mod.ts");
  const log = new OcsfLog(logDir);
  for (let i = 0; i < n; i++) {
    await log.append(ours(ocsfEventFromDecision({
      verdict: "deny",
      layer: "l4",
      reason: "no matching policy",
      host: `h${i}.example.com`,
      port: 443,
    }, { time: Date.UTC(2026, 0, 1) + i })));
  }
}

Deno.test("createPolicyLocalApp() refuses a proposal of more than 1,000 JSON values before the gateway", async () => {
  await withApp(async ({ app, sink }) => {
    // 64 KiB held 1,700 endpoints: the gateway's checks and patch cost it 200 ms each.
    const endpoints = Array.from({ length: 400 }, (_, i) => ({ host: `h${i}.example`, port: 443 }));
    const rule = { ...PUT_RULE, endpoints };
    const body = JSON.stringify({ intent_summary: "x", operations: [{ addRule: { rule } }] });
    assert.ok(body.length < POLICY_LOCAL_LIMITS.maxBodyBytes);
    const res = await app.request(`${BASE}/v1/proposals`, { method: "POST", body });
    assert.equal(res.status, 400);
    const answer = await json(res);
    assert.equal(answer.error, "invalid_proposal");
    assert.match(String(answer.detail), /more than 1000 JSON values: propose the narrowest rule/);
    assert.equal(sink.submitted.length, 0);
  });
});

Deno.test("createPolicyLocalApp() hands one sandbox's submits to the gateway one at a time", async () => {
  const sink = new FakeSink();
  let inFlight = 0;
  let most = 0;
  const submit = sink.submit.bind(sink);
  sink.submit = async (input) => {
    most = Math.max(most, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    return await submit(input);
  };
  await withApp(async ({ app }) => {
    const answers = await Promise.all(
      Array.from(
        { length: 8 },
        () => app.request(`${BASE}/v1/proposals`, { method: "POST", body: valid }),
      ),
    );
    assert.deepEqual(answers.map((res) => res.status), Array(8).fill(202));
    await Promise.all(answers.map((res) => res.body?.cancel()));
  }, { sink });
  assert.equal(sink.submitted.length, 8);
  assert.equal(most, 1, "a burst reaches the gateway one submit after the other");
});
