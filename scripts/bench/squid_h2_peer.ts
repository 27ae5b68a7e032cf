/**
 * The peer of the HTTP/2 rows: the same bytes and the same 64 clients over HTTP/1.1 through
 * ssl-bump Squid to the HTTP/1.1 upstream (Squid 5.7 speaks no HTTP/2 to its clients).
 *
 * @module
 */

import { openTunnel, startTls } from "./connect.ts";
import { BENCH_HOSTS, type BenchSetup, OK_PATH } from "./setup.ts";
import { findPid } from "./process_figures.ts";
import { type Direction, type Transfer, transfer } from "./bulk_transfer.ts";
import { getRequest, loadRow, tunnelOpener } from "./http_rows.ts";
import type { ScaleProxies } from "./rows_concurrency.ts";
import type { Row } from "./row.ts";
import type { RowInfo } from "./report.ts";
import type { LoadBounds } from "./budget.ts";

/** Through ssl-bump Squid (started) to the HTTP/1.1 upstream. */
function squidPath(setup: BenchSetup, proxies: ScaleProxies) {
  const bump = proxies.bump as ScaleProxies["bump"] & { ok: true };
  const authority = `${BENCH_HOSTS.l7}:${setup.upstreams.httpsPort}`;
  return { bump, authority, tls: { servername: BENCH_HOSTS.l7, ca: [bump.caPem!] } };
}

/**
 * The same bytes over HTTP/1.1 through ssl-bump Squid (`proxies.bump`, started), to the HTTP/1.1
 * upstream.
 */
export function squidTransfer(
  setup: BenchSetup,
  proxies: ScaleProxies,
  direction: Direction,
  bytes: number,
): Promise<Transfer> {
  const { bump, authority, tls } = squidPath(setup, proxies);
  const target = {
    open: async () => await startTls(await openTunnel(bump.port, authority), tls),
    pid: findPid(bump.port),
    accessLog: bump.accessLog,
  };
  return transfer(target, direction, authority, bytes);
}

/**
 * `clients` kept-alive HTTP/1.1 clients through ssl-bump Squid (`proxies.bump`, started); req/s is
 * every client's answers per second of wall time.
 */
export function squidStreamsRow(
  setup: BenchSetup,
  proxies: ScaleProxies,
  { info, bounds, clients }: { info: RowInfo; bounds: LoadBounds; clients: number },
): Row {
  const { bump, authority, tls } = squidPath(setup, proxies);
  const row = loadRow(info, () => ({
    open: tunnelOpener(bump.port, authority, tls),
    request: getRequest(authority, OK_PATH),
    mode: "keep-alive",
    bounds,
    concurrency: clients,
  }));
  const measure = row.measure!;
  // Many clients at once: req/s is every client's answers per second of wall time.
  return {
    ...row,
    measure: async () => {
      const sample = await measure();
      return { ...sample, reqPerSec: sample.reqPerSecWall };
    },
  };
}
