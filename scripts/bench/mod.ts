/**
 * The benchmark behind `deno task bench`: an in-process load generator (plain HTTP, CONNECT +
 * TLS with SNI, keep-alive or a new connection per request), node:net/node:tls upstreams,
 * Tollgate proxies as child processes, Squid and tinyproxy when installed, decide() and
 * control-plane rows, medians over repetitions, targets, and a pure table renderer.
 *
 * How it measures:
 * - Everything listens on 127.0.0.1. The upstream (a fixed 1 KiB body) runs in the benchmark
 *   process on node:net and node:tls (Deno's own TLS servers stall ~44 ms per connection).
 * - Each proxy under test runs in its own process: Tollgate as `deno run -A proxy_child.ts`
 *   (the real `startProxy`, OCSF log included), Squid and tinyproxy from their Debian
 *   binaries with generated configs; nothing is installed, a missing binary skips its rows.
 * - Load is one connection (concurrency 1), one request at a time, timed with
 *   `performance.now()` from send (or connect, for a new connection) to the last body byte.
 *   Each run is bounded by a request count and a time budget, after an untimed warm-up.
 *   req/s is completed requests over wall time, so scheduler stalls lower it; p50 is the
 *   steadiest figure on a shared machine.
 * - Rows are measured in table order once per repetition (1 with `--quick`, 3 otherwise) and
 *   the median of each metric is reported, with ratios to the direct row of the same run.
 *   The `--scale` rows come after, stage by stage: each stage's fixture (100 proxies, 10,000
 *   proposals, Squids) lives only while its own rows are measured.
 * - Tollgate is asked for public-looking names (`bench.example`, …) that its `resolve`
 *   option maps to loopback; peers, which have no such option, are asked for 127.0.0.1.
 * - RSS: VmRSS of a dedicated Tollgate child after opening the tunnels, each carrying a TLS
 *   session that served one request.
 * - decide(): batches over a fixed request mix drawn from `syntheticPolicy(n)`; one sample is
 *   the mean of one batch (a single call is too short to time).
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
export type { BenchReport, RowGroup, RowInfo, RowResult, Sample, TargetResult } from "./report.ts";
export { applyTargets, TARGETS } from "./targets.ts";
export type { Target } from "./targets.ts";
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
