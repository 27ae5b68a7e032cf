import assert from "node:assert/strict";
import { aggregateRow, type RowResult, withRatios } from "./report.ts";
import { applyTargets } from "./targets.ts";
import { median, percentile, steadyRate, summarize } from "./stats.ts";

Deno.test("percentile() and median() behaviour", () => {
  assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99), 99);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([NaN, 7]), 7);
  assert.equal(summarize([0.1, 0.2], 1).reqPerSecWall, 2000);
});

Deno.test("aggregateRow() takes medians and sums errors", () => {
  const row = aggregateRow({ id: "r", group: "direct", label: "r" }, [
    { reqPerSec: 10, p50Us: 50, p99Us: 500, samples: 5, errors: 1, firstError: "boom" },
    { reqPerSec: 30, p50Us: 70, p99Us: 900, samples: 5, errors: 0 },
    { reqPerSec: 20, p50Us: 60, p99Us: 700, samples: 5, errors: 0 },
  ]);
  assert.equal(row.reqPerSec, 20);
  assert.equal(row.p50Us, 60);
  assert.equal(row.p99Us, 700);
  assert.equal(row.runs, 3);
  assert.deepEqual(row.notes, ["1 failed requests (boom)"]);
  assert.equal(row.skipped, undefined);
});

Deno.test("aggregateRow() marks a row whose every run failed", () => {
  const row = aggregateRow({ id: "r", group: "direct", label: "r" }, [
    { samples: 0, errors: 4, firstError: "refused" },
  ]);
  assert.equal(row.skipped, "every run failed");
  assert.equal(row.p50Us, undefined);
});

function row(id: string, partial: Partial<RowResult>): RowResult {
  return {
    id,
    group: "tollgate",
    label: id,
    runs: 1,
    errors: 0,
    notes: [],
    repetitions: [],
    ...partial,
  };
}

Deno.test("withRatios() compares with the baseline row", () => {
  const [direct, proxied] = withRatios([
    row("direct.tls", { reqPerSec: 10000, p50Us: 50 }),
    row("tollgate.l4_keepalive", { baseline: "direct.tls", reqPerSec: 5000, p50Us: 130 }),
  ]);
  assert.equal(direct!.reqPerSecRatio, undefined);
  assert.equal(proxied!.reqPerSecRatio, 0.5);
  assert.equal(proxied!.p50Ratio, 2.6);
  assert.equal(proxied!.addedP50Us, 80);
});

Deno.test("withRatios() compares a paired row with the direct requests timed in its turns", () => {
  const [, forward] = withRatios([
    row("direct.http", { reqPerSec: 20000, p50Us: 40 }),
    row("tollgate.http_forward", {
      baseline: "direct.http",
      reqPerSec: 4000,
      p50Us: 200,
      pairedReqPerSec: 10000,
      pairedP50Us: 80,
    }),
  ]);
  assert.equal(forward!.reqPerSecRatio, 0.4);
  assert.equal(forward!.addedP50Us, 120);
  assert.equal(forward!.p50Ratio, 2.5);
  assert.equal(forward!.separateReqPerSecRatio, 0.2);
  const [alone] = withRatios([
    row("peer.squid.http_forward", { reqPerSec: 3000, pairedReqPerSec: 12000 }),
  ]);
  assert.equal(alone!.reqPerSecRatio, 0.25);
  assert.equal(alone!.separateReqPerSecRatio, undefined);
});

Deno.test("aggregateRow() takes the median of the paired figures too", () => {
  const result = aggregateRow({ id: "r", group: "tollgate", label: "r" }, [
    { reqPerSec: 10, pairedReqPerSec: 40, pairedP50Us: 30, samples: 5, errors: 0 },
    { reqPerSec: 12, pairedReqPerSec: 60, pairedP50Us: 20, samples: 5, errors: 0 },
    { reqPerSec: 11, pairedReqPerSec: 50, pairedP50Us: 25, samples: 5, errors: 0 },
  ]);
  assert.equal(result.pairedReqPerSec, 50);
  assert.equal(result.pairedP50Us, 25);
});

Deno.test("applyTargets() judges each target row", () => {
  const rows = applyTargets(withRatios([
    row("direct.tls", { reqPerSec: 10000, p50Us: 50 }),
    row("tollgate.l4_keepalive", { baseline: "direct.tls", p50Us: 130 }),
    row("tollgate.l7_keepalive", { baseline: "direct.tls", p50Us: 600 }),
    row("decide.100", { p50Us: 0.5 }),
    row("decide.10000", { p50Us: 1.5 }),
    row("memory.rss_200_tunnels", { value: 80 }),
    row("control.approve_to_enforcing", { skipped: "gateway not available" }),
  ]));
  const verdicts = Object.fromEntries(rows.map((r) => [r.id, r.target?.met]));
  assert.deepEqual(verdicts, {
    "direct.tls": undefined,
    "tollgate.l4_keepalive": true,
    "tollgate.l7_keepalive": false,
    "decide.100": undefined,
    "decide.10000": false,
    "memory.rss_200_tunnels": true,
    "control.approve_to_enforcing": null,
  });
  assert.equal(rows[4]!.target!.measured, "3.00× the 100-rule p50");
});

Deno.test("applyTargets() never marks a negative or impossible figure met", () => {
  // The auto-approval row once timed a revision another gateway had reached: p50 -286 ms.
  const rows = applyTargets([
    row("control.auto_approve_to_allowed", { p50Us: -286_000, p99Us: -71_000 }),
    row("control.approve_to_enforcing", { p50Us: 40_000, p99Us: 20_000 }),
    row("memory.rss_200_tunnels", { value: NaN }),
    row("control.proposal_to_pending", { p50Us: 9_000, p99Us: 12_000 }),
    // An added latency may be negative (the proxy row a hair faster than direct, by noise).
    row("tollgate.l4_keepalive", { addedP50Us: -3, p50Us: 47 }),
  ]);
  const verdicts = rows.map((r) => [r.id, r.target?.met, r.target?.measured]);
  assert.deepEqual(verdicts, [
    [
      "control.auto_approve_to_allowed",
      false,
      "p50 -286.00 ms (impossible: p50Us is -286000)",
    ],
    [
      "control.approve_to_enforcing",
      false,
      "p50 40.00 ms (impossible: p99 20000 µs below p50 40000 µs)",
    ],
    ["memory.rss_200_tunnels", false, "NaN MB"],
    ["control.proposal_to_pending", true, "p50 9.00 ms"],
    ["tollgate.l4_keepalive", true, "+-3.00 µs"],
  ]);
});

Deno.test("steadyRate() leaves the slowest 1 % out", () => {
  const latencies = [...Array.from({ length: 99 }, () => 0.1), 800];
  assert.equal(Math.round(steadyRate(latencies)), 10_000);
  const stats = summarize(latencies, 900);
  assert.equal(Math.round(stats.reqPerSec), 10_000);
  assert.ok(stats.reqPerSecWall < 200);
  assert.ok(Number.isNaN(steadyRate([])));
});
