/**
 * The benchmark's data model: one sample per row and repetition, aggregated (median over
 * repetitions) into row results with ratios to the direct row of the same run.
 *
 * @module
 */

import { median } from "./stats.ts";

/** Which part of the table a row belongs to, in display order. */
export type RowGroup =
  | "direct"
  | "tollgate"
  | "peer"
  | "decide"
  | "memory"
  | "control"
  | "scale"
  | "scale_data";

/** One measurement of one row. Latencies in microseconds. */
export interface Sample {
  /** Stall-trimmed rate (see `steadyRate`). */
  reqPerSec?: number;
  /** Wall-clock rate. */
  reqPerSecWall?: number;
  /** Median latency, µs. */
  p50Us?: number;
  /** 99th-percentile latency, µs. */
  p99Us?: number;
  /** Stall-trimmed rate of the direct requests timed in turn with this row's (paired rows). */
  pairedReqPerSec?: number;
  /** Median latency of those direct requests, µs. */
  pairedP50Us?: number;
  /** A scalar that is not a latency (RSS in MB). */
  value?: number;
  /** Timed requests that succeeded. */
  samples: number;
  /** Requests that failed or had an unexpected status. */
  errors: number;
  /** Connections opened while timing (reconnects show a proxy closing keep-alive). */
  connections?: number;
  /** The first failure, for the notes. */
  firstError?: string;
  /** Context worth a line under the table. */
  note?: string;
  /** Secondary figures of the run (kept in the JSON), e.g. `{ idleRssMb: 64.9 }`. */
  extra?: Record<string, number>;
}

/** The static part of a row. */
export interface RowInfo {
  /** Stable key, e.g. `tollgate.l4_keepalive`, used by targets and in the JSON. */
  id: string;
  /** Table section. */
  group: RowGroup;
  /** Row title in the table. */
  label: string;
  /** Id of the direct row this row is compared with. */
  baseline?: string;
  /** Unit of `value`, when the row measures a scalar. */
  unit?: string;
  /** What one "request" is when it is not an HTTP request (e.g. "decision"). */
  per?: string;
}

/** A target check outcome. `met: null` when it could not be evaluated. */
export interface TargetResult {
  /** The target as written in the issue, e.g. "added p50 ≤ 100 µs". */
  text: string;
  /** True when met, false when missed, null when it could not be judged. */
  met: boolean | null;
  /** The measured quantity the target is about, rendered. */
  measured: string;
}

/** One target: which row it judges and how. */
export interface Target {
  /** Id of the row this target judges. */
  rowId: string;
  /** The target as written in the issues. */
  text: string;
  /** Returns the measured quantity and whether it meets the target; undefined if unknown. */
  check(
    row: RowResult,
    rows: Map<string, RowResult>,
  ): { met: boolean; measured: string } | undefined;
}

/** One row of the report: medians over repetitions. */
export interface RowResult extends RowInfo {
  /** Stall-trimmed rate (median over repetitions). */
  reqPerSec?: number;
  /** Wall-clock rate (median over repetitions). */
  reqPerSecWall?: number;
  /** Median latency, µs (median over repetitions). */
  p50Us?: number;
  /** 99th-percentile latency, µs (median over repetitions). */
  p99Us?: number;
  /** Rate of the direct requests timed in turn with this row's (median over repetitions). */
  pairedReqPerSec?: number;
  /** Their median latency, µs (median over repetitions). */
  pairedP50Us?: number;
  /** The scalar of a non-latency row (median over repetitions). */
  value?: number;
  /** Repetitions that produced a sample. */
  runs: number;
  /** Failed requests over all repetitions. */
  errors: number;
  /**
   * `reqPerSec / baseline.reqPerSec`; for a paired row `reqPerSec / pairedReqPerSec`, the
   * direct requests timed in turn with the row's own.
   */
  reqPerSecRatio?: number;
  /** `p50Us / baseline.p50Us` (`pairedP50Us` for a paired row). */
  p50Ratio?: number;
  /** `p50Us - baseline.p50Us` (`pairedP50Us` for a paired row). */
  addedP50Us?: number;
  /** A paired row's `reqPerSec` over the separate baseline row's, for comparison. */
  separateReqPerSecRatio?: number;
  /** The verdict against the row's target, if it has one. */
  target?: TargetResult;
  /** Why the row has no numbers. */
  skipped?: string;
  /** Lines for under the table. */
  notes: string[];
  /** The raw samples, one per repetition. */
  repetitions: Sample[];
}

/** Everything `deno task bench` writes as JSON. */
export interface BenchReport {
  /** Producer of the file. */
  tool: "tollgate-bench";
  /** Version of this JSON shape. */
  schema: 1;
  /** ISO time the run started. */
  startedAt: string;
  /** ISO time the run ended. */
  finishedAt: string;
  /** Whether this was a `--quick` run. */
  quick: boolean;
  /** Repetitions per row (medians are over these). */
  repetitions: number;
  /** Runtime, OS, CPUs and load averages of the machine. */
  environment: Record<string, string | number | number[]>;
  /** Every row, in table order. */
  rows: RowResult[];
  /** Target verdict counts. */
  summary: { met: number; missed: number; unevaluated: number };
}

const MEDIAN_KEYS = [
  "reqPerSec",
  "reqPerSecWall",
  "p50Us",
  "p99Us",
  "pairedReqPerSec",
  "pairedP50Us",
  "value",
] as const;
type MedianKey = typeof MEDIAN_KEYS[number];

/**
 * Aggregate the samples of one row: median of each metric over repetitions; errors summed.
 *
 * @example
 * ```ts
 * const row = aggregateRow({ id: "direct.http", group: "direct", label: "HTTP" }, [
 *   { reqPerSec: 10, p50Us: 50, p99Us: 90, samples: 10, errors: 0 },
 * ]);
 * ```
 */
export function aggregateRow(info: RowInfo, samples: Sample[], skipped?: string): RowResult {
  const usable = samples.filter((s) => s.samples > 0);
  const pick = (key: MedianKey) => {
    const values = usable.map((s) => s[key]).filter((v): v is number => v !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  const notes: string[] = [];
  const errors = samples.reduce((sum, s) => sum + s.errors, 0);
  const firstError = samples.find((s) => s.firstError)?.firstError;
  if (errors > 0) notes.push(`${errors} failed requests${firstError ? ` (${firstError})` : ""}`);
  for (const note of new Set(samples.flatMap((s) => (s.note ? [s.note] : [])))) notes.push(note);
  const row: RowResult = {
    ...info,
    runs: usable.length,
    errors,
    notes,
    repetitions: samples,
  };
  for (const key of MEDIAN_KEYS) {
    const v = pick(key);
    if (v !== undefined) row[key] = v;
  }
  const why = skipped ?? (usable.length === 0 && samples.length > 0 ? "every run failed" : "");
  if (why) row.skipped = why;
  return row;
}

/**
 * Fill in each row's ratios against its baseline row (same run).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aggregateRow, withRatios } from "./report.ts";
 *
 * const direct = aggregateRow({ id: "direct.http", group: "direct", label: "direct" }, [
 *   { reqPerSec: 1000, p50Us: 50, samples: 100, errors: 0 },
 * ]);
 * const proxied = aggregateRow(
 *   { id: "t.http", group: "tollgate", label: "via proxy", baseline: "direct.http" },
 *   [{ reqPerSec: 500, p50Us: 80, samples: 100, errors: 0 }],
 * );
 * const [, withRatio] = withRatios([direct, proxied]);
 * assert.equal(withRatio?.reqPerSecRatio, 0.5);
 * assert.equal(withRatio?.addedP50Us, 30);
 * ```
 */
export function withRatios(rows: RowResult[]): RowResult[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return rows.map((row) => {
    if (row.skipped) return row;
    const separate = row.baseline ? byId.get(row.baseline) : undefined;
    const base = row.pairedReqPerSec === undefined
      ? separate?.skipped ? undefined : separate
      : { reqPerSec: row.pairedReqPerSec, p50Us: row.pairedP50Us };
    if (!base) return row;
    const out = { ...row };
    if (row.reqPerSec !== undefined && base.reqPerSec) {
      out.reqPerSecRatio = row.reqPerSec / base.reqPerSec;
    }
    if (row.p50Us !== undefined && base.p50Us) {
      out.p50Ratio = row.p50Us / base.p50Us;
      out.addedP50Us = row.p50Us - base.p50Us;
    }
    if (base !== separate && row.reqPerSec !== undefined && separate?.reqPerSec) {
      out.separateReqPerSecRatio = row.reqPerSec / separate.reqPerSec;
    }
    return out;
  });
}
