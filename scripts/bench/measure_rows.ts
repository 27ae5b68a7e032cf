/**
 * Measure rows: each once per repetition, rows interleaved (drift hits all alike), the
 * data-plane ones pinned to the client CPU; and a stage, whose fixture lives only while its
 * rows are measured.
 *
 * @module
 */

import { aggregateRow, type RowGroup, type RowResult, type Sample } from "./report.ts";
import { type Pinning, setAffinity } from "./cpu_pinning.ts";
import type { Row, RowStage } from "./row.ts";
import { formatMicros, formatRate } from "./format.ts";

/** What measuring reports to and listens to. */
export interface MeasureOptions {
  /** Progress lines. */
  log: (line: string) => void;
  /** Aborts between rows. */
  signal?: AbortSignal;
  /** Where the load generator runs while data-plane rows are timed; unpinned if absent. */
  pinning?: Pinning;
}

/**
 * Measure `rows` once per repetition, interleaved, and aggregate each (a failed measurement
 * is a sample with its error).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureRows } from "./measure_rows.ts";
 * const row = { info: { id: "r", group: "control" as const, label: "r" },
 *   measure: () => Promise.resolve({ value: 1, samples: 1, errors: 0 }) };
 * const [result] = await measureRows([row], 3, { log: () => {} });
 * assert.equal(result!.runs, 3);
 * ```
 */
export async function measureRows(
  rows: Row[],
  repetitions: number,
  options: MeasureOptions,
): Promise<RowResult[]> {
  const samples = await measureAll(rows, repetitions, options);
  return rows.map((row, i) => {
    const result = aggregateRow(row.info, samples[i]!, row.skipped);
    if (row.describe && result.runs > 0) result.notes.push(...row.describe(samples[i]!));
    return result;
  });
}

/**
 * Set up one stage's fixture, measure its wanted rows (every repetition), and tear the
 * fixture down before returning, even when a measurement throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureStage } from "./measure_rows.ts";
 * let up = false;
 * const stage = {
 *   name: "a fixture",
 *   build: (stack: AsyncDisposableStack) => {
 *     up = true;
 *     stack.defer(() => { up = false; });
 *     const measure = () => Promise.resolve({ value: up ? 1 : 0, samples: 1, errors: 0 });
 *     return Promise.resolve([{ info: { id: "s", group: "scale" as const, label: "s" }, measure }]);
 *   },
 * };
 * const [result] = await measureStage(stage, () => true, 1, { log: () => {} });
 * assert.equal(result!.value, 1);
 * assert.equal(up, false);
 * ```
 */
export async function measureStage(
  stage: RowStage,
  wanted: (id: string) => boolean,
  repetitions: number,
  options: MeasureOptions,
): Promise<RowResult[]> {
  options.signal?.throwIfAborted();
  await using stack = new AsyncDisposableStack();
  const t0 = performance.now();
  const rows = (await stage.build(stack)).filter((r) => wanted(r.info.id));
  const took = ((performance.now() - t0) / 1000).toFixed(1);
  options.log(`Set up ${stage.name} in ${took} s; measuring ${rows.length} rows`);
  return await measureRows(rows, repetitions, options);
}

async function measureAll(rows: Row[], repetitions: number, options: MeasureOptions) {
  const samples: Sample[][] = rows.map(() => []);
  const start = performance.now();
  for (let rep = 1; rep <= repetitions; rep++) {
    for (const [i, row] of rows.entries()) {
      if (!row.measure) continue;
      options.signal?.throwIfAborted();
      const sample = await pinnedWhile(options.pinning, row, () => row.measure!()).catch((
        error,
      ): Sample => ({
        samples: 0,
        errors: 1,
        firstError: error instanceof Error ? error.message : String(error),
      }));
      samples[i]!.push(sample);
      const at = ((performance.now() - start) / 1000).toFixed(1);
      options.log(`[${rep}/${repetitions} +${at}s] ${row.info.label}: ${describe(sample)}`);
    }
  }
  return samples;
}

/** The data-plane rows time requests from the client CPU; the others run unpinned. */
async function pinnedWhile(
  pinning: Pinning | undefined,
  row: Row,
  measure: () => Promise<Sample>,
): Promise<Sample> {
  if (!pinning || !PINNED_GROUPS.has(row.info.group)) return await measure();
  await setAffinity(Deno.pid, pinning.client);
  try {
    return await measure();
  } finally {
    await setAffinity(Deno.pid, pinning.all);
  }
}

const PINNED_GROUPS = new Set<RowGroup>(["direct", "tollgate", "peer", "scale_data"]);

function describe(s: Sample): string {
  if (s.samples === 0) return `failed (${s.firstError ?? "no samples"})`;
  const parts = [];
  if (s.reqPerSec !== undefined) parts.push(`${formatRate(s.reqPerSec)}/s`);
  if (s.p50Us !== undefined) parts.push(`p50 ${formatMicros(s.p50Us)}`);
  if (s.p99Us !== undefined) parts.push(`p99 ${formatMicros(s.p99Us)}`);
  if (s.value !== undefined) parts.push(s.value.toFixed(1));
  const cpu = s.extra;
  if (cpu?.cpuP50Us !== undefined && cpu.cpuP99Us !== undefined) {
    parts.push(`CPU p50 ${formatMicros(cpu.cpuP50Us)}, p99 ${formatMicros(cpu.cpuP99Us)}`);
  }
  if (s.errors > 0) parts.push(`${s.errors} errors`);
  return parts.join(", ");
}
