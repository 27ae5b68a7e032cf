/**
 * One worker of a load run: a connection sending one request at a time into a {@linkcode
 * Sampler} (the phase's count and time budget), reopened when the server closed it, a stale
 * kept-alive connection retried once on a fresh one.
 *
 * @module
 */

import type { Buffer } from "node:buffer";
import type { HttpConn, ResponseInfo } from "./http_conn.ts";

/** How connections are used. */
export type ConnectionMode =
  /** Open once, reuse; a reconnect (server closed) is timed into the next request. */
  | "keep-alive"
  /** Open, send one request, close: the whole of it is timed. */
  | "new-connection";

/** What a worker needs of its run (`LoadSpec`). */
export interface WorkerSpec {
  /** Reuse connections, or open one per request. */
  mode: ConnectionMode;
  /** Opens a ready connection and returns its socket. */
  open: () => Promise<HttpConn>;
  /** The status every response must have; others count as errors. */
  expectStatus: number;
}

/** The requests of one phase of a run: their count and time budget, latencies and errors. */
export class Sampler {
  readonly latencies: number[] = [];
  errors = 0;
  connections = 0;
  firstError: string | undefined;
  issued = 0;

  constructor(readonly limit: number, readonly deadline: number) {}

  /** Claim the next request slot; false when the count or the time budget is spent. */
  claim(): boolean {
    if (this.issued >= this.limit || performance.now() >= this.deadline) return false;
    this.issued++;
    return true;
  }

  /** Count a failed request; the first error is kept for the report. */
  fail(error: unknown): void {
    this.errors++;
    this.firstError ??= error instanceof Error ? error.message : String(error);
  }
}

/** The connection again, or a new one when the server closed it (undefined if none opens). */
export function reopen(
  spec: WorkerSpec,
): (conn: HttpConn | undefined) => Promise<HttpConn | undefined> {
  return async (conn: HttpConn | undefined): Promise<HttpConn | undefined> => {
    if (conn && !conn.dead) return conn;
    conn?.close();
    return await spec.open().catch(() => undefined);
  };
}

/**
 * One connection's requests, one at a time, while `sampler` has slots (at most `maxRequests`):
 * each timed from send to response, a wrong status or a failure counted as an error.
 */
export async function worker(
  spec: WorkerSpec,
  request: Buffer,
  sampler: Sampler,
  initial?: HttpConn,
  maxRequests = Infinity,
): Promise<HttpConn | undefined> {
  let conn = initial;
  for (let sent = 0; sent < maxRequests && sampler.claim(); sent++) {
    const t0 = performance.now();
    try {
      const result = await send(spec, request, sampler, conn);
      conn = result.conn;
      const t1 = performance.now();
      if (result.response.status !== spec.expectStatus) {
        sampler.fail(new Error(`Unexpected status ${result.response.status}`));
      } else {
        sampler.latencies.push(t1 - t0);
      }
      if (spec.mode === "new-connection" || result.response.closing) {
        conn.close();
        conn = undefined;
      }
    } catch (error) {
      sampler.fail(error);
      conn?.close();
      conn = undefined;
    }
  }
  return conn;
}

/**
 * Send on `conn`, opening one when needed. A kept-alive connection that the server closed
 * without saying so (tinyproxy does) fails before any response byte: retry once on a fresh
 * connection, as HTTP clients do for idempotent requests; the retry is timed.
 */
async function send(
  spec: WorkerSpec,
  request: Buffer,
  sampler: Sampler,
  conn: HttpConn | undefined,
): Promise<{ conn: HttpConn; response: ResponseInfo }> {
  if (conn && !conn.dead) {
    try {
      return { conn, response: await conn.request(request) };
    } catch (error) {
      conn.close();
      if (!conn.stale) throw error;
    }
  }
  conn?.close();
  const fresh = await spec.open();
  sampler.connections++;
  try {
    return { conn: fresh, response: await fresh.request(request) };
  } catch (error) {
    fresh.close();
    throw error;
  }
}
