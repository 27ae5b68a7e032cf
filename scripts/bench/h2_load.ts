/**
 * Many concurrent HTTP/2 streams of small requests over a few sessions (the `--scale` HTTP/2
 * concurrency rows): each of `concurrency` workers sends a GET, reads its answer whole and
 * sends the next, on the session it was given.
 *
 * @module
 */

import type * as http2 from "node:http2";
import type { LoadBounds } from "./budget.ts";
import type { Sample } from "./report.ts";
import { summarize } from "./stats.ts";

/** What {@linkcode runH2Load} sends. */
export interface H2LoadSpec extends LoadBounds {
  /** Sessions shared by the workers (worker i uses session i mod n). */
  sessions: http2.ClientHttp2Session[];
  /** Streams in flight at once. */
  concurrency: number;
  /** `:authority` and `:path` of every request. */
  authority: string;
  path: string;
}

/**
 * Run an untimed warm-up of `warmup` requests, then time requests until `maxRequests` or
 * `maxMs`; req/s is every stream's answers per second of wall time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openH2Session } from "./h2_client.ts";
 * import { runH2Load } from "./h2_load.ts";
 * import { startH2Origin } from "./h2_origin.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await createTestCertificates(["bench.example"], dir);
 * const origin = await startH2Origin(certs);
 * const session = await openH2Session(origin.port, { servername: "bench.example", ca: [certs.caPem] });
 * const sample = await runH2Load({
 *   sessions: [session],
 *   concurrency: 4,
 *   authority: "bench.example",
 *   path: "/ok/bench",
 *   maxRequests: 20,
 *   maxMs: 5_000,
 *   warmup: 4,
 * });
 * assert.equal(sample.errors, 0);
 * assert.equal(sample.samples, 20);
 * session.destroy();
 * await origin.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runH2Load(spec: H2LoadSpec): Promise<Sample> {
  const failures = { errors: 0, first: undefined as string | undefined };
  await phase(spec, spec.warmup, Infinity, [], failures);
  const latencies: number[] = [];
  const t0 = performance.now();
  await phase(spec, spec.maxRequests, t0 + spec.maxMs, latencies, failures);
  const stats = summarize(latencies, performance.now() - t0);
  return {
    ...stats,
    reqPerSec: stats.reqPerSecWall,
    errors: failures.errors,
    ...(failures.first ? { firstError: failures.first } : {}),
  };
}

async function phase(
  spec: H2LoadSpec,
  count: number,
  deadline: number,
  latencies: number[],
  failures: { errors: number; first: string | undefined },
): Promise<void> {
  let started = 0;
  const headers = { ":method": "GET", ":path": spec.path, ":authority": spec.authority };
  const worker = async (session: http2.ClientHttp2Session) => {
    while (started < count && performance.now() < deadline && failures.errors < 100) {
      started++;
      const t = performance.now();
      try {
        await oneRequest(session, headers);
        latencies.push(performance.now() - t);
      } catch (error) {
        failures.errors++;
        failures.first ??= (error as Error).message;
      }
    }
  };
  const { sessions, concurrency } = spec;
  await Promise.all(
    Array.from({ length: concurrency }, (_, i) => worker(sessions[i % sessions.length]!)),
  );
}

function oneRequest(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: true });
    let status = 0;
    stream.on("response", (response) => status = Number(response[":status"]));
    stream.on("data", () => {});
    stream.once("error", reject);
    stream.once("close", () => {
      if (status === 200) resolve();
      else reject(new Error(`status ${status || "none (stream reset)"}`));
    });
  });
}
