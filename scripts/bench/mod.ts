/**
 * The benchmark behind `deno task bench`: an in-process load generator (plain HTTP, CONNECT +
 * TLS with SNI, keep-alive or a new connection per request), node:net/node:tls upstreams,
 * Tollgate proxies as child processes, Squid and tinyproxy when installed, decide() and
 * control-plane rows, medians over repetitions, targets, and a pure table renderer.
 *
 * How it measures, and how to read the table: `README.md` in this folder.
 *
 * @module
 */

export { runBench } from "./run_bench.ts";
export type { BenchOptions } from "./run_bench.ts";
export { ChildProcesses } from "./child_processes.ts";
export type { RunningChild, SpawnOptions } from "./child_processes.ts";
export { HttpConn } from "./http_conn.ts";
export type { ResponseInfo } from "./http_conn.ts";
export type { RunStats } from "./stats.ts";
export { renderReport, renderRow, summarizeTargets } from "./render.ts";
export { aggregateRow, withRatios } from "./report.ts";
export type {
  BenchReport,
  RowGroup,
  RowInfo,
  RowResult,
  Sample,
  Target,
  TargetResult,
} from "./report.ts";
export { applyTargets, TARGETS } from "./targets.ts";
export { budgetFor } from "./budget.ts";
export type { Budget, LoadBounds } from "./budget.ts";
export { createTestCertificates } from "./test_ca.ts";
export type { TestCertificates } from "./test_ca.ts";
export { spawnUpstreams, startUpstreams } from "./upstream_servers.ts";
export type { UpstreamOptions, UpstreamPorts, Upstreams } from "./upstream_servers.ts";
export { PAIR_BLOCK, runLoad } from "./load_generator.ts";
export type { ConnectionMode, LoadResult, LoadSpec, PairedTarget } from "./load_generator.ts";
export { choosePinning, pinnedCommand, planPinning, setAffinity } from "./cpu_pinning.ts";
export type { Pinning } from "./cpu_pinning.ts";
export { directRows } from "./rows_direct.ts";
export { decideRows } from "./rows_decide.ts";
export { UPSTREAM_NAMES } from "./setup.ts";
export type { BenchSetup } from "./setup.ts";
export type { Row } from "./row.ts";
