/**
 * Direct rows: the load generator straight to the upstream, no proxy. These are the physical
 * limits of this machine that every other row is compared with.
 *
 * @module
 */

import { getRequest, loadRow, plainOpener, tlsOpener } from "./http_rows.ts";
import { BENCH_HOSTS, type BenchSetup, OK_PATH, upstreamTls } from "./setup.ts";
import type { Row } from "./row.ts";
import type { PairedTarget } from "./load_generator.ts";

/** Ids of the direct rows, the baselines of the others. */
export const DIRECT = {
  http: "direct.http",
  httpNew: "direct.http_new",
  tlsKeepAlive: "direct.tls_keepalive",
  tlsNew: "direct.tls_new",
} as const;

/**
 * The four direct rows: HTTP keep-alive, HTTP new connection, TLS keep-alive, new TLS
 * connection per request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { directRows } from "./rows_direct.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * assert.deepEqual(directRows(setup).map((row) => row.info.id), [
 *   "direct.http",
 *   "direct.http_new",
 *   "direct.tls_keepalive",
 *   "direct.tls_new",
 * ]);
 * ```
 */
export function directRows(setup: BenchSetup): Row[] {
  const { httpPort, httpsPort } = setup.upstreams;
  const { keepAlive, newConnection } = setup.budget;
  const http = directHttp(setup);
  const tlsReq = getRequest(`${BENCH_HOSTS.l7}:${httpsPort}`, OK_PATH);
  const tls = upstreamTls(setup);
  return [
    loadRow(
      { id: DIRECT.http, group: "direct", label: "direct HTTP, keep-alive" },
      () => ({
        ...http,
        mode: "keep-alive",
        bounds: keepAlive,
      }),
    ),
    loadRow(
      { id: DIRECT.httpNew, group: "direct", label: "direct HTTP, new connection" },
      () => ({
        open: plainOpener(httpPort),
        request: http.request,
        mode: "new-connection",
        bounds: newConnection,
      }),
    ),
    loadRow(
      { id: DIRECT.tlsKeepAlive, group: "direct", label: "direct TLS, keep-alive" },
      () => ({
        open: tlsOpener(httpsPort, tls),
        request: tlsReq,
        mode: "keep-alive",
        bounds: keepAlive,
      }),
    ),
    loadRow(
      { id: DIRECT.tlsNew, group: "direct", label: "direct TLS, new connection" },
      () => ({
        open: tlsOpener(httpsPort, tls),
        request: tlsReq,
        mode: "new-connection",
        bounds: newConnection,
      }),
    ),
  ];
}

/**
 * The direct plain-HTTP target: the forward rows time it in turn with their own requests
 * (`paired`), so their ratio compares requests made under the same machine conditions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { directHttp } from "./rows_direct.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const { request } = directHttp(setup);
 * assert.match(request, /^GET \/ok\/bench HTTP\/1.1\r\nHost: bench-http.example:9\r\n/);
 * ```
 */
export function directHttp(setup: BenchSetup): PairedTarget {
  const { httpPort } = setup.upstreams;
  return {
    open: plainOpener(httpPort),
    request: getRequest(`${BENCH_HOSTS.http}:${httpPort}`, OK_PATH),
  };
}
