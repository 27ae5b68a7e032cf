/**
 * Building blocks for HTTP rows: connection openers (plain, TLS, CONNECT + TLS), request
 * lines (origin-form and absolute-form), and a row that runs one bounded load.
 *
 * @module
 */

import { HttpConn } from "./http_conn.ts";
import { openTcp, openTunnel, startTls, type TlsOptions } from "./connect.ts";
import { type ConnectionMode, type PairedTarget, runLoad } from "./load_generator.ts";
import type { LoadBounds } from "./budget.ts";
import type { RowInfo } from "./report.ts";
import type { Row } from "./row.ts";

/** A function that opens one ready-to-use connection. */
export type Opener = () => Promise<HttpConn>;

/**
 * Plain TCP to `port` on 127.0.0.1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { plainOpener } from "./http_rows.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 * import { startUpstreams } from "./upstream_servers.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const up = await startUpstreams(await createTestCertificates(["bench.example"], dir));
 * const conn = await plainOpener(up.httpPort)();
 * assert.equal((await conn.request(Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))).status, 200);
 * conn.close();
 * await up.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function plainOpener(port: number): Opener {
  return async () => new HttpConn(await openTcp(port));
}

/**
 * TLS straight to `port` on 127.0.0.1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { tlsOpener } from "./http_rows.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 * import { startUpstreams } from "./upstream_servers.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await createTestCertificates(["bench.example"], dir);
 * const up = await startUpstreams(certs);
 * const open = tlsOpener(up.httpsPort, { servername: "bench.example", ca: [certs.caPem] });
 * const conn = await open();
 * const res = await conn.request(Buffer.from("GET / HTTP/1.1\r\nHost: bench.example\r\n\r\n"));
 * assert.equal(res.status, 200);
 * conn.close();
 * await up.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function tlsOpener(port: number, tls: TlsOptions): Opener {
  return async () => new HttpConn(await startTls(port, tls));
}

/**
 * `CONNECT authority` through the proxy on `proxyPort`, then TLS inside the tunnel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tunnelOpener } from "./http_rows.ts";
 *
 * // A stand-in proxy that refuses the CONNECT: the opener rejects instead of opening.
 * const proxy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const refusing = proxy.accept().then(async (conn) => {
 *   await conn.write(new TextEncoder().encode("HTTP/1.1 403 Forbidden\r\n\r\n"));
 *   conn.close();
 * });
 * const tls = { servername: "bench.example", ca: [] };
 * const open = tunnelOpener(proxy.addr.port, "bench.example:8443", tls);
 * await assert.rejects(open(), /status 403/);
 * await refusing;
 * proxy.close();
 * ```
 */
export function tunnelOpener(proxyPort: number, authority: string, tls: TlsOptions): Opener {
  return async () => new HttpConn(await startTls(await openTunnel(proxyPort, authority), tls));
}

/**
 * A GET request. With `absolute`, the request line names the full URL (to a forward proxy).
 *
 * @example
 * ```ts
 * getRequest("bench.example:8080", "/ok/a", true);
 * // "GET http://bench.example:8080/ok/a HTTP/1.1\r\nHost: bench.example:8080\r\n\r\n"
 * ```
 */
export function getRequest(
  authority: string,
  path: string,
  absolute = false,
  method = "GET",
): string {
  const target = absolute ? `http://${authority}${path}` : path;
  return `${method} ${target} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: tollgate-bench\r\n\r\n`;
}

/** What a load row sends and how. */
export interface LoadRowSpec {
  open: Opener;
  request: string;
  mode: ConnectionMode;
  bounds: LoadBounds;
  expectStatus?: number;
  concurrency?: number;
  /** Time direct requests in turn with these (see {@linkcode PairedTarget}). */
  paired?: PairedTarget;
}

/**
 * A row that runs one bounded load per repetition.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRequest, loadRow, plainOpener } from "./http_rows.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 * import { startUpstreams } from "./upstream_servers.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const up = await startUpstreams(await createTestCertificates(["bench.example"], dir));
 * const row = loadRow({ id: "direct.http", group: "direct", label: "HTTP" }, () => ({
 *   open: plainOpener(up.httpPort),
 *   request: getRequest("bench.example", "/ok/bench"),
 *   mode: "keep-alive",
 *   bounds: { maxRequests: 20, maxMs: 500, warmup: 2 },
 * }));
 * const sample = await row.measure!();
 * assert.equal(sample.errors, 0);
 * assert.ok(sample.samples > 0);
 * await up.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function loadRow(info: RowInfo, spec: () => LoadRowSpec): Row {
  let keepAlive = false;
  return {
    info,
    describe: (samples) => {
      const reconnects = samples.reduce((sum, s) => sum + (s.connections ?? 0), 0);
      return keepAlive && reconnects > 0
        ? [`${reconnects} reconnections while timing: the server closed kept-alive connections`]
        : [];
    },
    measure: async () => {
      const s = spec();
      keepAlive = s.mode === "keep-alive";
      const result = await runLoad({
        mode: s.mode,
        open: s.open,
        request: s.request,
        expectStatus: s.expectStatus ?? 200,
        concurrency: s.concurrency ?? 1,
        ...(s.paired ? { paired: s.paired } : {}),
        ...s.bounds,
      });
      const { paired, ...sample } = result;
      if (!paired) return sample;
      const failed = paired.errors > 0 ? `${paired.errors} paired direct requests failed` : "";
      return {
        ...sample,
        pairedReqPerSec: paired.reqPerSec,
        pairedP50Us: paired.p50Us,
        ...(failed ? { note: failed } : {}),
      };
    },
  };
}
