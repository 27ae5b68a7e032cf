/**
 * Concurrency rows (`--scale`, issue #15 item 1): 64 and 256 clients at once to one destination,
 * side by side with Squid (plain forward, L4 tunnel) and ssl-bump Squid (L7 interception).
 *
 * @module
 */

import { getRequest, loadRow, type LoadRowSpec, plainOpener, tunnelOpener } from "./http_rows.ts";
import { BENCH_HOSTS, type BenchSetup, OK_PATH, upstreamTls } from "./setup.ts";
import type { TollgateProxy } from "./tollgate_proxy.ts";
import type { PeerStart } from "./peer_proxies.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { cpuSeconds, findPid } from "./process_figures.ts";

/** Clients at once in the scale rows. */
export const SCALE_CONCURRENCY = [64, 256] as const;

/** The proxies the scale rows compare, each started or with the reason it is not. */
export interface ScaleProxies {
  tollgate: { ok: true; proxy: TollgateProxy } | { ok: false; note: string };
  squid: PeerStart;
  bump: PeerStart & { caPem?: string };
  /** A bare node:net CONNECT relay in this Deno: the runtime's floor for the L4 rows. */
  floor?: PeerStart;
  /** The same relay on `Deno.Conn` loops, one reused buffer per direction (a second floor). */
  floorLoop?: PeerStart;
  /** Start another Tollgate proxy like `tollgate`, for a row that needs a fresh one. */
  freshTollgate?: () => Promise<ScaleProxies["tollgate"]>;
  /** Start another ssl-bump Squid like `bump`, for a row that needs a fresh one. */
  freshBump?: () => Promise<ScaleProxies["bump"]>;
  /** Start an intercepting floor relay (`node:tls`), for the RSS rows. */
  freshFloorTls?: () => Promise<PeerStart>;
}

/** The three ways through a proxy the scale rows load. */
export type Path = "forward" | "l4" | "l7";
type Proxy = "tollgate" | "squid" | "floor" | "floor_loop";
const PATH_LABEL: Record<Path, string> = {
  forward: "plain HTTP forward",
  l4: "L4 tunnel",
  l7: "L7 interception",
};

/**
 * The id of a scale row, e.g. `scale.tollgate.l7.c64` or `scale.squid.forward.c256`.
 *
 * @example
 * ```ts
 * scaleRowId("tollgate", "l7", 64); // "scale.tollgate.l7.c64"
 * ```
 */
export function scaleRowId(proxy: Proxy, path: Path, clients: number): string {
  return `scale.${proxy}.${path}.c${clients}`;
}

/**
 * Concurrency rows for Tollgate and its peers (the L7 peer is ssl-bump Squid, filed under
 * `scale.squid.l7.*`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { concurrencyRows } from "./rows_concurrency.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const squid = { ok: false as const, name: "squid", note: "squid not installed" };
 * const tollgate = { ok: false as const, note: "proxy did not start" };
 * const rows = concurrencyRows(setup, { tollgate, squid, bump: { ...squid, name: "squid-bump" } });
 * assert.equal(rows[0]?.info.id, "scale.tollgate.forward.c64");
 * assert.equal(rows.at(-1)?.info.id, "scale.squid.l7.c256");
 * ```
 */
export function concurrencyRows(setup: BenchSetup, proxies: ScaleProxies): Row[] {
  const rows: Row[] = [];
  for (const clients of SCALE_CONCURRENCY) {
    for (const path of ["forward", "l4", "l7"] as const) {
      rows.push(tollgateRow(setup, proxies.tollgate, path, clients));
      rows.push(peerRow(setup, path === "l7" ? proxies.bump : proxies.squid, { path, clients }));
      if (path !== "l4") continue;
      if (proxies.floor) rows.push(peerRow(setup, proxies.floor, { path, clients, as: "floor" }));
      if (proxies.floorLoop) {
        rows.push(peerRow(setup, proxies.floorLoop, { path, clients, as: "floor_loop" }));
      }
    }
  }
  return rows;
}

function info(proxy: Proxy, path: Path, clients: number, name: string): RowInfo {
  return {
    id: scaleRowId(proxy, path, clients),
    group: "scale_data",
    label: `${name}: ${PATH_LABEL[path]}, ${clients} clients`,
  };
}

function tollgateRow(
  setup: BenchSetup,
  start: ScaleProxies["tollgate"],
  path: Path,
  clients: number,
): Row {
  const rowInfo = info("tollgate", path, clients, "Tollgate");
  if (!start.ok) return { info: rowInfo, skipped: start.note };
  const row = loadRow(rowInfo, () => scaleLoadSpec(setup, start.proxy, path, clients));
  return aggregate(row, start.proxy.port);
}

/**
 * The load of one scale row through a proxy that intercepts with `proxy.caPem` (Tollgate, or
 * ssl-bump Squid on the L7 path): `clients` at once, kept alive.
 */
export function scaleLoadSpec(
  setup: BenchSetup,
  proxy: { port: number; caPem: string },
  path: Path,
  clients: number,
): LoadRowSpec {
  const { httpPort, httpsPort } = setup.upstreams;
  const bounds = scaleBounds(setup, clients);
  if (path === "forward") {
    const request = getRequest(`${BENCH_HOSTS.http}:${httpPort}`, OK_PATH, true);
    return {
      open: plainOpener(proxy.port),
      request,
      mode: "keep-alive",
      bounds,
      concurrency: clients,
    };
  }
  const host = path === "l4" ? BENCH_HOSTS.l4 : BENCH_HOSTS.l7;
  const authority = `${host}:${httpsPort}`;
  const tls = path === "l4" ? upstreamTls(setup, host) : { servername: host, ca: [proxy.caPem] };
  const open = tunnelOpener(proxy.port, authority, tls);
  return {
    open,
    request: getRequest(authority, OK_PATH),
    mode: "keep-alive",
    bounds,
    concurrency: clients,
  };
}

function peerRow(
  setup: BenchSetup,
  peer: ScaleProxies["bump"],
  { path, clients, as = "squid" }: { path: Path; clients: number; as?: Proxy },
): Row {
  const name = peer.ok ? `${peer.name} ${peer.version}` : peer.name;
  const rowInfo = info(as, path, clients, name);
  if (!peer.ok) return { info: rowInfo, skipped: peer.note };
  const { httpPort, httpsPort } = setup.upstreams;
  const bounds = scaleBounds(setup, clients);
  const common = { mode: "keep-alive" as const, bounds, concurrency: clients };
  if (path === "forward") {
    const request = getRequest(`127.0.0.1:${httpPort}`, OK_PATH, true);
    const row = loadRow(rowInfo, () => ({ open: plainOpener(peer.port), request, ...common }));
    return aggregate(row, peer.port);
  }
  // Squid is asked for the address (as in the peer rows), with SNI bench.example; ssl-bump
  // Squid for the name (its hosts file maps it), so that it can verify the upstream's name.
  const tls = path === "l4"
    ? upstreamTls(setup)
    : { servername: BENCH_HOSTS.l7, ca: [peer.caPem!] };
  const target = path === "l4" ? `127.0.0.1:${httpsPort}` : `${BENCH_HOSTS.l7}:${httpsPort}`;
  const open = tunnelOpener(peer.port, target, tls);
  const request = getRequest(`${BENCH_HOSTS.l7}:${httpsPort}`, OK_PATH);
  return aggregate(loadRow(rowInfo, () => ({ open, request, ...common })), peer.port);
}

/**
 * Many clients at once: req/s is every client's requests per second of wall time. Each sample
 * also has the proxy's CPU time per request (`extra.cpuUsPerReq`, from `/proc/PID/stat` of the
 * process listening on `port`, over the whole repetition: its connections, TLS handshakes and
 * warm-up included, divided by the timed requests): the figure that still compares proxies on
 * a busy machine, where the rates swing with what else runs.
 */
function aggregate(row: Row, port: number): Row {
  const measure = row.measure!;
  let pid: number | undefined;
  return {
    ...row,
    measure: async () => {
      pid ??= findPid(port);
      const before = pid === undefined ? undefined : await cpuSeconds(pid).catch(() => undefined);
      const sample = await measure();
      const after = pid === undefined ? undefined : await cpuSeconds(pid).catch(() => undefined);
      const cpu = before === undefined || after === undefined || sample.samples === 0
        ? {}
        : { extra: { ...sample.extra, cpuUsPerReq: ((after - before) * 1e6) / sample.samples } };
      return { ...sample, reqPerSec: sample.reqPerSecWall, ...cpu };
    },
    describe: (samples) => [...(row.describe?.(samples) ?? []), ...cpuNote(samples)],
  };
}

/** The proxy's CPU per request in each repetition, for the notes under the table. */
function cpuNote(samples: Sample[]): string[] {
  const each = samples.map((s) => s.extra?.cpuUsPerReq).filter((v) => v !== undefined);
  if (each.length === 0) return [];
  const list = each.map((v) => v.toFixed(0)).join(", ");
  return [`proxy CPU per request ${list} µs (one per repetition)`];
}

function scaleBounds(setup: BenchSetup, clients: number) {
  const { maxRequests, maxMs } = setup.budget.keepAlive;
  return { maxRequests: maxRequests * 2, maxMs, warmup: clients * 4 };
}
