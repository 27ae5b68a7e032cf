/**
 * The benchmark orchestrator: start the upstreams and the proxies, measure every row once
 * per repetition (rows interleaved, so drift hits all rows alike), aggregate medians, judge
 * targets, and stop everything it started, whatever happens.
 *
 * @module
 */

import * as os from "node:os";
import { budgetFor } from "./budget.ts";
import type { ChildProcesses } from "./child_processes.ts";
import { createTestCertificates } from "./test_ca.ts";
import { spawnUpstreams } from "./upstream_servers.ts";
import { type StallStats, startStallProbe } from "./stall_probe.ts";
import { type BenchSetup, UPSTREAM_NAMES } from "./setup.ts";
import {
  aggregateRow,
  type BenchReport,
  type RowGroup,
  type Sample,
  withRatios,
} from "./report.ts";
import { choosePinning, type Pinning, setAffinity } from "./cpu_pinning.ts";
import { applyTargets } from "./targets.ts";
import { summarizeTargets } from "./render.ts";
import type { Row } from "./row.ts";
import { buildRows } from "./build_rows.ts";
import { formatMicros, formatRate } from "./format.ts";

/** Options for {@linkcode runBench}. */
export interface BenchOptions {
  /** One short repetition (CI smoke) instead of three. */
  quick: boolean;
  /** Only rows whose id starts with one of these prefixes (for development). */
  only?: string[];
  /** Children are tracked here, so that the caller can stop them on a second Ctrl-C. */
  children: ChildProcesses;
  /** Progress lines (stderr). */
  log: (line: string) => void;
  /** Aborts between rows. */
  signal?: AbortSignal;
  /** Leave process placement to the scheduler (see `cpu_pinning.ts`); pinned by default. */
  noPin?: boolean;
  /**
   * Add the `scale` rows (10,000 rules, 10,000 pending, 100 proxies; 64 and 256 clients, bulk
   * transfers, identity at 2,000 processes); never with `quick`.
   */
  scale?: boolean;
}

/**
 * Run the whole benchmark and return its report.
 *
 * @example
 * ```ts ignore
 * const report = await runBench({ quick: true, children: new ChildProcesses(), log: console.error });
 * ```
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadBefore = os.loadavg();
  const budget = budgetFor(options.quick);
  await using stack = new AsyncDisposableStack();
  const dir = await Deno.makeTempDir({ prefix: "tollgate-bench-" });
  stack.defer(() => Deno.remove(dir, { recursive: true }).catch(() => {}));
  stack.defer(() => options.children.stopAll());
  const certs = await createTestCertificates(UPSTREAM_NAMES, dir);
  const pinning = await choosePinning(!options.noPin);
  const upstreams = await spawnUpstreams(options.children, certs, dir, pinning?.servers);
  stack.defer(() => upstreams.close());
  const setup: BenchSetup = { budget, certs, upstreams, dir, pinning };
  const only = options.only;
  const wanted = (id: string) => !only || only.some((p) => id.startsWith(p));
  // For starting things: is any row under this id prefix wanted?
  const touches = (prefix: string) =>
    !only || only.some((p) => p.startsWith(prefix) || prefix.startsWith(p));
  const scale = options.scale === true && !options.quick;
  const rows = selectRows(await buildRows(setup, options.children, stack, touches, scale), wanted);
  options.log(
    `Set up in ${((performance.now() - t0) / 1000).toFixed(1)} s; measuring ${rows.length} rows`,
  );
  const probe = startStallProbe(options.children);
  const samples = await measureAll(rows, budget.repetitions, options, pinning);
  const stalls = await probe.stop();
  const results = rows.map((row, i) => {
    const result = aggregateRow(row.info, samples[i]!, row.skipped);
    if (row.describe && result.runs > 0) result.notes.push(...row.describe(samples[i]!));
    return result;
  });
  const judged = applyTargets(withRatios(results));
  return {
    tool: "tollgate-bench",
    schema: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: options.quick,
    repetitions: budget.repetitions,
    environment: { ...environment(loadBefore, stalls), pinning: describePinning(pinning) },
    rows: judged,
    summary: summarizeTargets(judged),
  };
}

/** The wanted rows, plus the direct rows they are compared with (ratios need them). */
function selectRows(all: Row[], wanted: (id: string) => boolean): Row[] {
  const picked = all.filter((r) => wanted(r.info.id));
  const baselines = new Set(picked.flatMap((r) => (r.info.baseline ? [r.info.baseline] : [])));
  return all.filter((r) => wanted(r.info.id) || baselines.has(r.info.id));
}

async function measureAll(
  rows: Row[],
  repetitions: number,
  options: BenchOptions,
  pinning: Pinning | undefined,
) {
  const samples: Sample[][] = rows.map(() => []);
  const start = performance.now();
  for (let rep = 1; rep <= repetitions; rep++) {
    for (const [i, row] of rows.entries()) {
      if (!row.measure) continue;
      options.signal?.throwIfAborted();
      const sample = await pinnedWhile(pinning, row, () => row.measure!()).catch((
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

function describePinning(pinning: Pinning | undefined): string {
  return pinning
    ? `load generator on CPU ${pinning.client}, upstream and proxies on CPU ${pinning.servers}`
    : "off";
}

function describe(s: Sample): string {
  if (s.samples === 0) return `failed (${s.firstError ?? "no samples"})`;
  const parts = [];
  if (s.reqPerSec !== undefined) parts.push(`${formatRate(s.reqPerSec)}/s`);
  if (s.p50Us !== undefined) parts.push(`p50 ${formatMicros(s.p50Us)}`);
  if (s.p99Us !== undefined) parts.push(`p99 ${formatMicros(s.p99Us)}`);
  if (s.value !== undefined) parts.push(s.value.toFixed(1));
  if (s.errors > 0) parts.push(`${s.errors} errors`);
  return parts.join(", ");
}

function environment(loadBefore: number[], stalls?: StallStats): BenchReport["environment"] {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: `${Deno.build.os} ${os.release()} ${Deno.build.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    // Other work on the machine skews every row; the load average says how busy it was.
    loadAverageBefore: loadBefore.map((v) => Number(v.toFixed(2))),
    loadAverageAfter: os.loadavg().map((v) => Number(v.toFixed(2))),
    // A shared VM can leave a sleeping process unscheduled for hundreds of ms: say how often.
    ...(stalls
      ? {
        stalls: stalls.stalls,
        stallSleeps: stalls.sleeps,
        stallWorstMs: Math.round(stalls.worstMs),
        stallLostShare: Number((stalls.lostMs / Math.max(1, stalls.elapsedMs)).toFixed(4)),
      }
      : {}),
  };
}
