/**
 * The in-process load generator: `concurrency` workers, each sending one request at a time
 * (no pipelining) and timing it with `performance.now()`. Bounded by a request count and a
 * wall-clock budget, after a short untimed warm-up.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { HttpConn } from "./http_conn.ts";
import { type ConnectionMode, reopen, Sampler, worker } from "./load_worker.ts";

export type { ConnectionMode } from "./load_worker.ts";
import { type RunStats, summarize } from "./stats.ts";

/** One load run. */
export interface LoadSpec {
  /** Reuse connections, or open one per request. */
  mode: ConnectionMode;
  /** Opens a ready connection (TCP, tunnel, TLS …) and returns its socket. */
  open: () => Promise<HttpConn>;
  /** The request bytes (one complete request). */
  request: string;
  /** The status every response must have; others count as errors. */
  expectStatus: number;
  /** Connections in parallel, each one request at a time (default 1). */
  concurrency?: number;
  /** Timed requests in total (all workers). */
  maxRequests: number;
  /** Wall-clock budget for the timed phase. */
  maxMs: number;
  /** Untimed warm-up requests (all workers); bounded by `maxMs / 4` too. */
  warmup?: number;
  /**
   * A second target timed in turn with this one ({@linkcode PAIR_BLOCK} requests each, one
   * connection each, keep-alive, concurrency 1), so that a ratio between the two compares
   * requests made under the same machine conditions.
   */
  paired?: PairedTarget;
}

/** The other side of a paired run: where to connect and what to send. */
export interface PairedTarget {
  /** Opens a ready connection to the other target. */
  open: () => Promise<HttpConn>;
  /** The request bytes for the other target. */
  request: string;
}

/** Requests sent to one side of a paired run before the other side's turn. */
export const PAIR_BLOCK = 8;

/** The result of a load run. */
export interface LoadResult extends RunStats {
  /** Responses with an unexpected status, or failed requests. */
  errors: number;
  /** Connections opened while timing (reconnects included). */
  connections: number;
  /** The first error seen, for the report. */
  firstError?: string;
  /** The other side of a paired run, timed in the same window. */
  paired?: RunStats & { errors: number };
}

/**
 * Run `spec` and summarise it. Never throws for request failures: they are counted, and a
 * run where every request failed reports `errors` with NaN latencies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRequest, plainOpener } from "./http_rows.ts";
 * import { runLoad } from "./load_generator.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 * import { startUpstreams } from "./upstream_servers.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const up = await startUpstreams(await createTestCertificates(["bench.example"], dir));
 * const result = await runLoad({
 *   mode: "keep-alive",
 *   open: plainOpener(up.httpPort),
 *   request: getRequest("bench.example", "/ok/bench"),
 *   expectStatus: 200,
 *   maxRequests: 20,
 *   maxMs: 500,
 * });
 * assert.equal(result.errors, 0);
 * assert.equal(result.connections, 0); // one connection, opened before the timed phase
 * await up.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.paired) return await runPaired(spec, spec.paired);
  const concurrency = spec.concurrency ?? 1;
  const request = Buffer.from(spec.request, "latin1");
  const warm = new Sampler(spec.warmup ?? 0, performance.now() + spec.maxMs / 4);
  const warmed = await Promise.all(
    Array.from({ length: concurrency }, () => worker(spec, request, warm, undefined)),
  );
  // Keep-alive rows time requests, not the first connection: open it before the clock starts.
  const conns = spec.mode === "keep-alive" ? await Promise.all(warmed.map(reopen(spec))) : warmed;
  const timed = new Sampler(spec.maxRequests, performance.now() + spec.maxMs);
  const start = performance.now();
  const leftovers = await Promise.all(conns.map((conn) => worker(spec, request, timed, conn)));
  const elapsed = performance.now() - start;
  for (const conn of leftovers) conn?.close();
  return resultOf(timed, elapsed);
}

/**
 * Alternate blocks of {@linkcode PAIR_BLOCK} requests between `spec`'s target and `paired`'s,
 * one kept-alive connection each, until the request count or the time budget is spent.
 */
async function runPaired(spec: LoadSpec, paired: PairedTarget): Promise<LoadResult> {
  const sides = [spec, { ...spec, open: paired.open, request: paired.request }].map((s) => ({
    spec: s,
    request: Buffer.from(s.request, "latin1"),
    conn: undefined as HttpConn | undefined,
    elapsed: 0,
  }));
  const [mine, other] = sides as [typeof sides[0], typeof sides[0]];
  const warmDeadline = performance.now() + spec.maxMs / 4;
  for (const side of sides) {
    side.conn = await worker(side.spec, side.request, new Sampler(spec.warmup ?? 0, warmDeadline));
    side.conn = await reopen(side.spec)(side.conn);
  }
  const deadline = performance.now() + spec.maxMs;
  const timed = new Sampler(spec.maxRequests, deadline);
  const otherTimed = new Sampler(Infinity, deadline);
  while (timed.issued < timed.limit && performance.now() < deadline) {
    for (const [side, sampler] of [[mine, timed], [other, otherTimed]] as const) {
      const t0 = performance.now();
      side.conn = await worker(side.spec, side.request, sampler, side.conn, PAIR_BLOCK);
      side.elapsed += performance.now() - t0;
    }
  }
  for (const side of sides) side.conn?.close();
  return {
    ...resultOf(timed, mine.elapsed),
    paired: { ...summarize(otherTimed.latencies, other.elapsed), errors: otherTimed.errors },
  };
}

function resultOf(sampler: Sampler, elapsed: number): LoadResult {
  return {
    ...summarize(sampler.latencies, elapsed),
    errors: sampler.errors,
    connections: sampler.connections,
    ...(sampler.firstError ? { firstError: sampler.firstError } : {}),
  };
}
