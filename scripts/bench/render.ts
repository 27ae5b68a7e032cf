/**
 * Render a benchmark report as a plain-text table (pure): one line per row, grouped, with the
 * ratio to the direct row and the target verdict, then the notes.
 *
 * @module
 */

import type { BenchReport, RowGroup, RowResult } from "./report.ts";
import { formatMicros, formatRate, formatRatio } from "./format.ts";
import { STALL_LATE_MS, STALL_SLEEP_MS } from "./stall_probe.ts";
import { PAIR_BLOCK } from "./load_generator.ts";

const GROUP_TITLES: Record<RowGroup, string> = {
  direct: "Direct (the physical limits here)",
  tollgate: "Tollgate",
  peer: "Peers on the same upstream",
  decide: "decide()",
  memory: "Memory",
  control: "Control plane",
  scale: "At scale (--scale)",
  scale_data: "At scale (--scale), data plane: many clients, bulk transfers, identity",
};

const HEADER = [
  "Row",
  "req/s",
  "p50",
  "p99",
  "req/s vs direct",
  "p50 vs direct",
  "Target",
  "Result",
];
const RIGHT_ALIGNED = new Set([1, 2, 3, 4, 5]);
const LEGEND = "req/s: one request at a time, per second spent in requests, slowest 1 % left " +
  "out (wall-clock rates are reqPerSecWall in the JSON); p50 vs direct: added latency (ratio)";
const PAIRED_MARK = "†";
const PAIRED_LEGEND = `${PAIRED_MARK} against direct requests timed in turn with the row's own ` +
  `(${PAIR_BLOCK} each way, same upstream), so both saw the same machine; the ratio to the ` +
  "separate direct row is separateReqPerSecRatio in the JSON";
/** Longer skip reasons go under the table, once for all the rows they share. */
const SHORT_REASON = 48;

/**
 * The table and notes for `report`, ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderReport } from "./render.ts";
 * import { aggregateRow } from "./report.ts";
 *
 * const row = aggregateRow({ id: "direct.http", group: "direct", label: "direct HTTP" }, [
 *   { reqPerSec: 9120, p50Us: 95, p99Us: 300, samples: 9000, errors: 0 },
 * ]);
 * const text = renderReport({
 *   tool: "tollgate-bench",
 *   schema: 1,
 *   startedAt: "2026-01-01T00:00:00.000Z",
 *   finishedAt: "2026-01-01T00:00:30.000Z",
 *   quick: true,
 *   repetitions: 1,
 *   environment: {},
 *   rows: [row],
 *   summary: { met: 0, missed: 0, unevaluated: 0 },
 * });
 * assert.match(text, /direct HTTP .* 9 120/);
 * ```
 */
export function renderReport(report: BenchReport): string {
  const lines: string[][] = [HEADER];
  const groupAt = new Map<number, string>();
  let current: RowGroup | undefined;
  for (const row of report.rows) {
    if (row.group !== current) {
      current = row.group;
      groupAt.set(lines.length, GROUP_TITLES[row.group]);
    }
    lines.push(renderRow(row));
  }
  const widths = HEADER.map((_, i) => Math.max(...lines.map((cells) => width(cells[i] ?? ""))));
  const out: string[] = [];
  lines.forEach((cells, index) => {
    const title = groupAt.get(index);
    if (title) out.push(`-- ${title} `.padEnd(widths.reduce((a, b) => a + b + 2, -2), "-"));
    out.push(
      cells.map((cell, i) => pad(cell, widths[i]!, RIGHT_ALIGNED.has(i))).join("  ").trimEnd(),
    );
  });
  out.push(
    "",
    renderSummary(report),
    LEGEND,
    ...(report.rows.some((row) => row.pairedReqPerSec !== undefined) ? [PAIRED_LEGEND] : []),
    ...renderPinning(report),
    ...renderLoadWarning(report),
    ...renderStallWarning(report),
  );
  out.push(...renderNotes(report.rows));
  return `${out.join("\n")}\n`;
}

/**
 * The cells of one row (exported for tests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderRow } from "./render.ts";
 * import { aggregateRow } from "./report.ts";
 *
 * const row = aggregateRow({ id: "tollgate.l4", group: "tollgate", label: "L4 tunnel" }, [
 *   { reqPerSec: 9120, p50Us: 95, p99Us: 300, samples: 9000, errors: 0 },
 * ]);
 * assert.deepEqual(renderRow(row).slice(0, 4), ["L4 tunnel", "9 120", "95 µs", "300 µs"]);
 * ```
 */
export function renderRow(row: RowResult): string[] {
  const label = row.per ? `${row.label} (per ${row.per})` : row.label;
  if (row.skipped) {
    const why = row.skipped.length <= SHORT_REASON ? `: ${row.skipped}` : " (see notes)";
    return [label, "–", "–", "–", "", "", row.target?.text ?? "", `skipped${why}`];
  }
  const added = row.addedP50Us === undefined
    ? ""
    : `${row.addedP50Us >= 0 ? "+" : ""}${formatMicros(row.addedP50Us)} (${
      formatRatio(row.p50Ratio)
    })`;
  const value = row.value === undefined ? "" : `${row.value.toFixed(1)} ${row.unit ?? ""}`.trim();
  return [
    label,
    formatRate(row.reqPerSec),
    formatMicros(row.p50Us),
    formatMicros(row.p99Us),
    `${formatRatio(row.reqPerSecRatio)}${paired(row)}`,
    added && `${added}${paired(row)}`,
    row.target?.text ?? "",
    verdict(row) || value,
  ];
}

function paired(row: RowResult): string {
  return row.pairedReqPerSec === undefined ? "" : PAIRED_MARK;
}

function verdict(row: RowResult): string {
  const target = row.target;
  if (!target) return "";
  const word = target.met === null ? "n/a" : target.met ? "MET" : "MISSED";
  return `${word} (${target.measured})`;
}

function renderSummary(report: BenchReport): string {
  const { met, missed, unevaluated } = report.summary;
  const mode = report.quick ? "quick (1 repetition)" : `${report.repetitions} repetitions, medians`;
  return `Targets: ${met} met, ${missed} missed, ${unevaluated} not evaluated — ${mode}`;
}

function renderPinning(report: BenchReport): string[] {
  const pinning = report.environment.pinning;
  if (typeof pinning !== "string") return [];
  return pinning === "off"
    ? ["Processes placed by the scheduler (--no-pin): ratios swing with where it puts them"]
    : [`Pinned while timing the data-plane rows: ${pinning} (--no-pin to turn off)`];
}

function renderStallWarning(report: BenchReport): string[] {
  const { stalls, stallSleeps, stallWorstMs, stallLostShare } = report.environment;
  if (typeof stalls !== "number" || typeof stallSleeps !== "number" || stalls === 0) return [];
  if (typeof stallWorstMs !== "number" || typeof stallLostShare !== "number") return [];
  return [
    `Warning: the machine stalled: ${stalls} of ${stallSleeps} ${STALL_SLEEP_MS} ms sleeps woke ` +
    `more than ${STALL_LATE_MS} ms late (worst ${stallWorstMs} ms, ` +
    `${(stallLostShare * 100).toFixed(1)} % of the run lost): latencies, ratios and ` +
    "the control-plane rows swing with such stalls; compare runs on a quiet machine",
  ];
}

function renderLoadWarning(report: BenchReport): string[] {
  const env = report.environment;
  const cpus = typeof env.cpus === "number" ? env.cpus : 0;
  const loads = [env.loadAverageBefore, env.loadAverageAfter]
    .flatMap((l) => (Array.isArray(l) && typeof l[0] === "number" ? [l[0]] : []));
  const load = Math.max(0, ...loads);
  if (cpus === 0 || load <= cpus) return [];
  return [
    `Warning: 1-minute load average reached ${load.toFixed(1)} on ${cpus} CPUs during the run: ` +
    "other work competed for the CPUs; req/s and p99 suffer most, p50 least",
  ];
}

function renderNotes(rows: RowResult[]): string[] {
  const notes = rows.flatMap((row) => row.notes.map((note) => `  ${row.label}: ${note}`));
  const skips = new Map<string, string[]>();
  for (const row of rows) {
    if (row.skipped && row.skipped.length > SHORT_REASON) {
      skips.set(row.skipped, [...(skips.get(row.skipped) ?? []), row.label]);
    }
  }
  for (const [reason, labels] of skips) {
    const who = labels.length === 1 ? labels[0] : `${labels[0]} and ${labels.length - 1} more rows`;
    notes.push(`  ${who}: skipped: ${reason}`);
  }
  return notes.length > 0 ? ["Notes:", ...notes] : [];
}

// Display width: every character here is one column (µ, ×, ≤ and – included).
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number, right: boolean): string {
  const fill = " ".repeat(Math.max(0, size - width(text)));
  return right ? fill + text : text + fill;
}

/**
 * Count met, missed and unevaluated targets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeTargets } from "./render.ts";
 * import type { RowResult } from "./report.ts";
 *
 * const row = { id: "r", group: "control" as const, label: "r", runs: 1, errors: 0, notes: [] };
 * const rows: RowResult[] = [
 *   { ...row, repetitions: [], target: { text: "p50 ≤ 1 ms", met: true, measured: "0.4 ms" } },
 *   { ...row, repetitions: [], target: { text: "p50 ≤ 1 ms", met: null, measured: "skipped" } },
 * ];
 * assert.deepEqual(summarizeTargets(rows), { met: 1, missed: 0, unevaluated: 1 });
 * ```
 */
export function summarizeTargets(rows: RowResult[]): BenchReport["summary"] {
  const judged = rows.flatMap((row) => (row.target ? [row.target.met] : []));
  return {
    met: judged.filter((m) => m === true).length,
    missed: judged.filter((m) => m === false).length,
    unevaluated: judged.filter((m) => m === null).length,
  };
}
