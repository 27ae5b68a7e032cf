/**
 * The benchmark orchestrator: start the upstreams and the proxies, measure every row once
 * per repetition (rows interleaved, so drift hits all rows alike), then each `--scale` stage
 * (its fixture set up, its rows measured, its fixture torn down), aggregate medians, judge
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
import { type BenchReport, withRatios } from "./report.ts";
import { choosePinning, type Pinning } from "./cpu_pinning.ts";
import { applyTargets } from "./targets.ts";
import { summarizeTargets } from "./render.ts";
import type { Row } from "./row.ts";
import { buildRows } from "./build_rows.ts";
import { measureRows, measureStage } from "./measure_rows.ts";

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
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { runBench } from "./run_bench.ts";
 *
 * await using children = new ChildProcesses();
 * const options = { quick: true, only: ["direct.http_new"], noPin: true, log: () => {} };
 * const report = await runBench({ ...options, children });
 * assert.deepEqual(report.rows.map((row) => row.id), ["direct.http_new"]);
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
  const built = await buildRows(setup, options.children, stack, touches, scale);
  const rows = selectRows(built.rows, wanted);
  options.log(
    `Set up in ${((performance.now() - t0) / 1000).toFixed(1)} s; measuring ${rows.length} rows`,
  );
  const probe = startStallProbe(options.children);
  const measuring = { log: options.log, signal: options.signal, pinning };
  const results = await measureRows(rows, budget.repetitions, measuring);
  for (const stage of built.stages) {
    results.push(...await measureStage(stage, wanted, budget.repetitions, measuring));
  }
  const stalls = await probe.stop();
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

function describePinning(pinning: Pinning | undefined): string {
  return pinning
    ? `load generator on CPU ${pinning.client}, upstream and proxies on CPU ${pinning.servers}`
    : "off";
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
