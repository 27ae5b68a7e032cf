import assert from "node:assert/strict";
import { renderReport, renderRow, summarizeTargets } from "./render.ts";
import type { BenchReport, RowResult } from "./report.ts";
import { formatMicros, formatRate, formatRatio } from "./format.ts";

function row(partial: Partial<RowResult> & Pick<RowResult, "id" | "group">): RowResult {
  return { label: partial.id, runs: 1, errors: 0, notes: [], repetitions: [], ...partial };
}

function report(rows: RowResult[]): BenchReport {
  return {
    tool: "tollgate-bench",
    schema: 1,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:30.000Z",
    quick: true,
    repetitions: 1,
    environment: {},
    rows,
    summary: summarizeTargets(rows),
  };
}

Deno.test("formatMicros() behaviour", () => {
  const cases: [number | undefined, string][] = [
    [0.4213, "0.42 µs"],
    [85.4, "85 µs"],
    [2100, "2.10 ms"],
    [1_500_000, "1.50 s"],
    [undefined, "–"],
    [NaN, "–"],
  ];
  for (const [input, expected] of cases) assert.equal(formatMicros(input), expected, `${input}`);
});

Deno.test("formatRate() and formatRatio() behaviour", () => {
  assert.equal(formatRate(12345.6), "12 346");
  assert.equal(formatRate(999), "999");
  assert.equal(formatRate(2_500_000), "2.5 M");
  assert.equal(formatRatio(0.4123), "0.41×");
  assert.equal(formatRatio(23.4), "23×");
  assert.equal(formatRatio(undefined), "");
});

Deno.test("renderRow() shows ratios, added latency and the verdict", () => {
  const cells = renderRow(row({
    id: "tollgate.l4_keepalive",
    group: "tollgate",
    label: "L4 tunnel",
    reqPerSec: 9120,
    p50Us: 95,
    p99Us: 410,
    reqPerSecRatio: 0.5,
    p50Ratio: 1.9,
    addedP50Us: 45,
    target: { text: "added p50 ≤ 100 µs", met: true, measured: "+45 µs" },
  }));
  assert.deepEqual(cells, [
    "L4 tunnel",
    "9 120",
    "95 µs",
    "410 µs",
    "0.50×",
    "+45 µs (1.90×)",
    "added p50 ≤ 100 µs",
    "MET (+45 µs)",
  ]);
});

Deno.test("renderRow() marks ratios against paired direct requests", () => {
  const cells = renderRow(row({
    id: "tollgate.http_forward",
    group: "tollgate",
    label: "forward",
    reqPerSec: 4000,
    p50Us: 200,
    p99Us: 900,
    pairedReqPerSec: 10000,
    reqPerSecRatio: 0.4,
    p50Ratio: 2.5,
    addedP50Us: 120,
  }));
  assert.equal(cells[4], "0.40×†");
  assert.equal(cells[5], "+120 µs (2.50×)†");
  const text = renderReport(
    report([{ ...row({ id: "f", group: "tollgate" }), pairedReqPerSec: 1 }]),
  );
  assert.match(text, /^† against direct requests timed in turn with the row's own/m);
  assert.doesNotMatch(renderReport(report([row({ id: "f", group: "tollgate" })])), /^†/m);
});

Deno.test("renderRow() marks missed, unevaluated and skipped rows", () => {
  const missed = renderRow(row({
    id: "x",
    group: "memory",
    value: 130.2,
    unit: "MB",
    target: { text: "RSS ≤ 120 MB", met: false, measured: "130.2 MB" },
  }));
  assert.equal(missed[7], "MISSED (130.2 MB)");
  const skipped = renderRow(row({
    id: "peer.squid",
    group: "peer",
    label: "squid",
    skipped: "/usr/sbin/squid not installed",
    target: { text: "t", met: null, measured: "skipped" },
  }));
  assert.deepEqual(skipped.slice(1, 4), ["–", "–", "–"]);
  assert.equal(skipped[7], "skipped: /usr/sbin/squid not installed");
  const plain = renderRow(row({ id: "m", group: "memory", value: 42.04, unit: "MB" }));
  assert.equal(plain[7], "42.0 MB");
});

Deno.test("renderReport() groups rows, aligns columns and lists notes", () => {
  const text = renderReport(report([
    row({ id: "direct.http", group: "direct", label: "HTTP", reqPerSec: 20000, p50Us: 40 }),
    row({
      id: "tollgate.http_forward",
      group: "tollgate",
      label: "plain HTTP forward",
      reqPerSec: 4000,
      p50Us: 200,
      reqPerSecRatio: 0.2,
      notes: ["3 failed requests"],
      target: { text: "req/s ≥ 25 % of direct", met: false, measured: "20 % of direct" },
    }),
  ]));
  const lines = text.split("\n");
  assert.match(lines[0]!, /^Row\s+req\/s\s+p50/);
  assert.match(lines[1]!, /^-- Direct \(the physical limits here\) -+$/);
  assert.match(lines[3]!, /^-- Tollgate -+$/);
  // Right-aligned numbers end in the same column.
  assert.equal(lines[2]!.indexOf("20 000") + 6, lines[4]!.indexOf("4 000") + 5);
  assert.match(text, /MISSED \(20 % of direct\)/);
  assert.match(text, /Targets: 0 met, 1 missed, 0 not evaluated/);
  assert.match(text, /Notes:\n {2}plain HTTP forward: 3 failed requests\n$/);
});

Deno.test("renderReport() moves long skip reasons under the table, once per reason", () => {
  const reason = "Tollgate proxy did not start: the child exited: Module not found";
  const text = renderReport(report([
    row({ id: "a", group: "tollgate", label: "A", skipped: reason }),
    row({ id: "b", group: "tollgate", label: "B", skipped: reason }),
    row({ id: "c", group: "peer", label: "C", skipped: "short reason" }),
  ]));
  assert.match(text, /A\s+–\s+–\s+–\s+skipped \(see notes\)/);
  assert.match(text, /C\s+–\s+–\s+–\s+skipped: short reason/);
  assert.equal(text.split(reason).length, 2);
  assert.match(text, / {2}A and 1 more rows: skipped: Tollgate proxy did not start/);
});

Deno.test("renderReport() warns when the machine was busier than its CPUs", () => {
  const busy = {
    ...report([]),
    environment: { cpus: 2, loadAverageBefore: [1, 1, 1], loadAverageAfter: [8.4, 5, 3] },
  };
  assert.match(renderReport(busy), /Warning: 1-minute load average reached 8\.4 on 2 CPUs/);
  const calm = { ...report([]), environment: { cpus: 2, loadAverageBefore: [0.5, 1, 1] } };
  assert.doesNotMatch(renderReport(calm), /Warning/);
});

Deno.test("renderReport() warns when the machine stalled during the run", () => {
  const env = { stalls: 31, stallSleeps: 900, stallWorstMs: 612, stallLostShare: 0.183 };
  const text = renderReport({ ...report([]), environment: env });
  assert.match(text, /Warning: the machine stalled: 31 of 900 10 ms sleeps woke more than 20 ms/);
  assert.match(text, /worst 612 ms, 18\.3 % of the run lost/);
  const quiet = { ...env, stalls: 0, stallWorstMs: 3, stallLostShare: 0 };
  assert.doesNotMatch(renderReport({ ...report([]), environment: quiet }), /stalled/);
});
