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
 * ```ts ignore
 * const open = plainOpener(8080);
 * ```
 */
export function plainOpener(port: number): Opener {
  return async () => new HttpConn(await openTcp(port));
}

/**
 * TLS straight to `port` on 127.0.0.1.
 *
 * @example
 * ```ts ignore
 * const open = tlsOpener(8443, { servername: "bench.example", ca: [caPem] });
 * ```
 */
export function tlsOpener(port: number, tls: TlsOptions): Opener {
  return async () => new HttpConn(await startTls(port, tls));
}

/**
 * `CONNECT authority` through the proxy on `proxyPort`, then TLS inside the tunnel.
 *
 * @example
 * ```ts ignore
 * const open = tunnelOpener(3128, "bench.example:8443", { servername: "bench.example", ca });
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
 * ```ts ignore
 * loadRow({ id: "direct.http", group: "direct", label: "HTTP" }, () => spec);
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
