/**
 * The performance targets from the proxy, policy-engine and gateway issues, and their check
 * against aggregated rows (pure).
 *
 * @module
 */

import type { RowResult, Target, TargetResult } from "./report.ts";
import { formatMicros } from "./format.ts";
import { DATA_PLANE_TARGETS } from "./targets_scale.ts";

/** Every target of the issues, keyed by the row each one judges. */
export const TARGETS: readonly Target[] = [
  // Issue #15's, on the --scale rows.
  ...DATA_PLANE_TARGETS,
  {
    rowId: "decide.1000",
    text: "p50 ≤ 2 µs",
    check: (row) => atMost(row.p50Us, 2, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "decide.10000",
    text: "p50 ≤ 2× p50 at 100 rules",
    check: (row, rows) => {
      const base = rows.get("decide.100")?.p50Us;
      if (row.p50Us === undefined || !base) return undefined;
      const ratio = row.p50Us / base;
      return { met: ratio <= 2, measured: `${ratio.toFixed(2)}× the 100-rule p50` };
    },
  },
  {
    rowId: "tollgate.l4_keepalive",
    text: "added p50 ≤ 100 µs",
    check: (row) => atMost(row.addedP50Us, 100, (v) => `+${formatMicros(v)}`),
  },
  {
    rowId: "tollgate.l7_keepalive",
    text: "added p50 ≤ 400 µs",
    check: (row) => atMost(row.addedP50Us, 400, (v) => `+${formatMicros(v)}`),
  },
  {
    rowId: "tollgate.l7_new_tunnel",
    text: "p50 ≤ 2× direct new TLS",
    check: (row) => atMost(row.p50Ratio, 2, (v) => `${v.toFixed(2)}× direct`),
  },
  {
    rowId: "tollgate.http_forward",
    text: "req/s ≥ 25 % of direct",
    check: (row) =>
      row.reqPerSecRatio === undefined ? undefined : {
        met: row.reqPerSecRatio >= 0.25,
        measured: `${(row.reqPerSecRatio * 100).toFixed(0)} % of direct`,
      },
  },
  {
    rowId: "memory.rss_200_tunnels",
    text: "RSS ≤ 120 MB",
    check: (row) => atMost(row.value, 120, (v) => `${v.toFixed(1)} MB`),
  },
  {
    rowId: "control.remote_hook",
    text: "p50 ≤ 500 ms",
    check: (row) => atMost(row.p50Us, 500_000, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "control.remote_fetch",
    text: "p50 ≤ fetch interval (1 s) + 200 ms",
    check: (row) => atMost(row.p50Us, 1_200_000, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "control.approve_to_enforcing",
    text: "p50 ≤ 100 ms",
    check: (row) => atMost(row.p50Us, 100_000, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "control.auto_approve_to_allowed",
    text: "p50 ≤ 100 ms",
    check: (row) => atMost(row.p50Us, 100_000, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "control.authority_delta_1000",
    text: "p50 ≤ 5 ms",
    check: (row) => atMost(row.p50Us, 5_000, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "control.inbox_visible",
    text: "p50 ≤ 200 ms",
    check: (row) => atMost(row.p50Us, 200_000, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "control.inbox_approve_to_enforcing",
    text: "p50 ≤ 150 ms",
    check: (row) => atMost(row.p50Us, 150_000, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "control.proposal_to_pending",
    text: "p50 ≤ 50 ms",
    check: (row) => atMost(row.p50Us, 50_000, (v) => `p50 ${formatMicros(v)}`),
  },
  {
    rowId: "control.cli_version",
    text: "p50 ≤ 2× an empty deno run",
    check: (row) => atMost(row.p50Ratio, 2, (v) => `${v.toFixed(2)}× empty`),
  },
  {
    rowId: "control.cli_proposals_list",
    text: "p50 ≤ 2× an empty deno run",
    check: (row) => atMost(row.p50Ratio, 2, (v) => `${v.toFixed(2)}× empty`),
  },
  ...["control.sandbox_run_true", "control.sandbox_run_true_confined"].map((rowId) => ({
    rowId,
    text: "added p50 ≤ 150 ms",
    check: (row: RowResult) => atMost(row.addedP50Us, 150_000, (v) => `+${formatMicros(v)}`),
  })),
  {
    rowId: "control.sandbox_new_connection",
    text: "added p50 ≤ 4 ms",
    check: (row) => atMost(row.addedP50Us, 4_000, (v) => `+${formatMicros(v)}`),
  },
  ...scaleTargets([
    ["scale.load_10000", 300],
    ["scale.approve_10000", 500],
    ["scale.approve_to_10_proxies_10000", 1000],
    ["scale.status_10000_pending", 10],
    ["scale.list_10000_pending", 1000],
    ["scale.approve_10000_pending", 200],
    ["scale.approve_to_100_proxies", 200],
  ]),
  ...scaleTargets([["scale.denials_lookup_1m", 50], ["scale.logs_denied_1m", 50]]),
  {
    rowId: "scale.audit_bytes_allowed",
    text: "≤ 450 B per allowed request",
    check: (row) => atMost(row.value, 450, (v) => `${v.toFixed(0)} B`),
  },
  {
    rowId: "scale.reload_wait_10000",
    text: "no wait > 10 ms",
    check: (row) => atMost(row.value, 10, (v) => `${v.toFixed(1)} ms at worst`),
  },
];

/** Issue #15's p50 targets of the `--scale` rows, in ms. */
function scaleTargets(limits: [string, number][]): Target[] {
  return limits.map(([rowId, ms]) => ({
    rowId,
    text: `p50 ≤ ${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}`,
    check: (row) => atMost(row.p50Us, ms * 1000, (v) => `p50 ${formatMicros(v)}`),
  }));
}

function atMost(
  value: number | undefined,
  limit: number,
  render: (v: number) => string,
): { met: boolean; measured: string } | undefined {
  return value === undefined ? undefined : { met: value <= limit, measured: render(value) };
}

/** Figures that no real measurement can make negative (an added latency can be). */
const NON_NEGATIVE = [
  "p50Us",
  "p99Us",
  "reqPerSec",
  "value",
  "p50Ratio",
  "reqPerSecRatio",
] as const;

/**
 * Why a row's figures cannot be real (a negative latency, p99 below p50, not a number), or
 * undefined: a target is never met by a measurement that went wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { impossibleFigure } from "./targets.ts";
 * const row = { id: "r", group: "control" as const, label: "r", runs: 1, errors: 0, notes: [], repetitions: [] };
 * assert.equal(impossibleFigure({ ...row, p50Us: -286_000 }), "impossible: p50Us is -286000");
 * assert.equal(impossibleFigure({ ...row, p50Us: 20, p99Us: 90 }), undefined);
 * ```
 */
export function impossibleFigure(row: RowResult): string | undefined {
  for (const key of NON_NEGATIVE) {
    const v = row[key];
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) return `impossible: ${key} is ${v}`;
  }
  if (row.p50Us !== undefined && row.p99Us !== undefined && row.p99Us < row.p50Us) {
    return `impossible: p99 ${row.p99Us} µs below p50 ${row.p50Us} µs`;
  }
  return undefined;
}

/**
 * Attach each target's outcome to its row. A skipped or failed row gets `met: null`; a row whose
 * figures are impossible (see {@linkcode impossibleFigure}) never gets `met: true`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aggregateRow } from "./report.ts";
 * import { applyTargets } from "./targets.ts";
 *
 * const info = { id: "decide.1000", group: "decide" as const, label: "decide() at 1,000 rules" };
 * const row = aggregateRow(info, [{ p50Us: 0.5, samples: 1000, errors: 0 }]);
 * const [judged] = applyTargets([row]);
 * assert.deepEqual(judged?.target, { text: "p50 ≤ 2 µs", met: true, measured: "p50 0.50 µs" });
 * ```
 */
export function applyTargets(rows: RowResult[], targets: readonly Target[] = TARGETS): RowResult[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return rows.map((row) => {
    const target = targets.find((t) => t.rowId === row.id);
    if (!target) return row;
    const outcome = row.skipped ? undefined : target.check(row, byId);
    const impossible = outcome?.met ? impossibleFigure(row) : undefined;
    const result: TargetResult = impossible
      ? { text: target.text, met: false, measured: `${outcome!.measured} (${impossible})` }
      : outcome
      ? { text: target.text, ...outcome }
      : { text: target.text, met: null, measured: row.skipped ? "skipped" : "not measured" };
    return { ...row, target: result };
  });
}
