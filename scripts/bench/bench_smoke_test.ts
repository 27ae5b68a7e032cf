import assert from "node:assert/strict";
import {
  aggregateRow,
  applyTargets,
  budgetFor,
  createTestCertificates,
  decideRows,
  directRows,
  renderReport,
  startUpstreams,
  summarizeTargets,
  UPSTREAM_NAMES,
  withRatios,
} from "./mod.ts";

// Smoke only: every row below runs a few requests and must complete without errors. Speed
// is never asserted here; that is what `deno task bench` reports.
Deno.test("bench rows run end to end and render (smoke)", async () => {
  const dir = await Deno.makeTempDir();
  const certs = await createTestCertificates(UPSTREAM_NAMES, dir);
  const upstreams = await startUpstreams(certs);
  try {
    const budget = {
      ...budgetFor(true),
      keepAlive: { maxRequests: 50, maxMs: 2000, warmup: 5 },
      newConnection: { maxRequests: 10, maxMs: 2000, warmup: 1 },
    };
    const rows = [...directRows({ budget, certs, upstreams, dir }), ...decideRows(20, [1000])];
    const results = [];
    for (const row of rows) {
      const sample = await row.measure!();
      assert.equal(sample.errors, 0, `${row.info.id}: ${sample.firstError}`);
      assert.ok(sample.samples > 0, row.info.id);
      results.push(aggregateRow(row.info, [sample]));
    }
    assert.ok(upstreams.served >= 50 + 10 + 50 + 10);
    const judged = applyTargets(withRatios(results));
    const text = renderReport({
      tool: "tollgate-bench",
      schema: 1,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      quick: true,
      repetitions: 1,
      environment: {},
      rows: judged,
      summary: summarizeTargets(judged),
    });
    assert.match(text, /direct TLS, new connection/);
    assert.match(text, /decide\(\) at 1,000 rules .*p50 ≤ 2 µs\s+(MET|MISSED)/);
  } finally {
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
  }
});
