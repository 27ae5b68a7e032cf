/**
 * What every row shares: the upstream servers, their test CA, the bench host names and the
 * budget of the run.
 *
 * @module
 */

import type { Budget } from "./budget.ts";
import type { TestCertificates } from "./test_ca.ts";
import type { UpstreamPorts } from "./upstream_servers.ts";
import type { TlsOptions } from "./connect.ts";
import type { Pinning } from "./cpu_pinning.ts";

/**
 * Public-looking names the proxies under test are asked for; Tollgate's `resolve` option
 * maps them to the loopback upstream (its SSRF guard trusts resolve overrides only).
 */
export const BENCH_HOSTS = {
  /** TLS name of the upstream, and the L7-intercepted endpoint. */
  l7: "bench.example",
  /** The L4 (blind tunnel) endpoint. */
  l4: "bench-l4.example",
  /** The plain HTTP L4 endpoint. */
  http: "bench-http.example",
  /** A plain HTTP `rest` endpoint whose read-only access denies the POSTs of the deny row. */
  rest: "bench-rest.example",
  /** A host granted by the approve row, and by nothing else. */
  approved: "bench-approved.example",
} as const;

/** Every name the upstream certificate is valid for. */
export const UPSTREAM_NAMES: string[] = Object.values(BENCH_HOSTS);

/** The path every allowed request asks for. */
export const OK_PATH = "/ok/bench";

/** Shared state of one benchmark run. */
export interface BenchSetup {
  /** Bounds of this run. */
  budget: Budget;
  /** The upstream test CA and certificate. */
  certs: TestCertificates;
  /** The running upstream servers. */
  upstreams: UpstreamPorts;
  /** Scratch directory, removed at the end. */
  dir: string;
  /** Where the load generator and the servers run, when pinned. */
  pinning?: Pinning;
}

/**
 * TLS options for talking straight to the upstream as `servername`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import { type BenchSetup, BENCH_HOSTS, upstreamTls } from "./setup.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "CA PEM", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * assert.deepEqual(upstreamTls(setup, BENCH_HOSTS.l4), {
 *   servername: "bench-l4.example",
 *   ca: ["CA PEM"],
 * });
 * ```
 */
export function upstreamTls(setup: BenchSetup, servername: string = BENCH_HOSTS.l7): TlsOptions {
  return { servername, ca: [setup.certs.caPem] };
}
