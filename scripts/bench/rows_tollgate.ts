/**
 * Tollgate rows: plain HTTP forward, L4 tunnel keep-alive, L7 intercepted keep-alive, a new
 * intercepted tunnel per request, the deny path (structured 403), and the same through a
 * proxy that resolves the requester through /proc, so that the cost of identity shows: host-wide
 * (every process's descriptors read, as without a sandbox) and in the client's process tree
 * (as `tollgate sandbox run` searches its sandbox).
 *
 * @module
 */

import {
  getRequest,
  loadRow,
  type LoadRowSpec,
  type Opener,
  plainOpener,
  tunnelOpener,
} from "./http_rows.ts";
import { BENCH_HOSTS, type BenchSetup, OK_PATH, upstreamTls } from "./setup.ts";
import { DIRECT, directHttp } from "./rows_direct.ts";
import type { TollgateProxy } from "./tollgate_proxy.ts";
import type { Row } from "./row.ts";
import type { RowInfo } from "./report.ts";

/** A started proxy, or why it could not start. */
export type ProxyStart = { ok: true; proxy: TollgateProxy } | { ok: false; note: string };

/**
 * The Tollgate rows for the fixed-identity proxy and the /proc-identity proxies (host-wide, and
 * given the load generator's process as the tree root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { tollgateRows } from "./rows_tollgate.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const none = { ok: false as const, note: "proxy did not start" };
 * const rows = tollgateRows(setup, none, { host: none, tree: none });
 * assert.equal(rows[0]?.info.id, "tollgate.http_forward");
 * assert.ok(rows.every((row) => row.skipped === "proxy did not start"));
 * ```
 */
export function tollgateRows(
  setup: BenchSetup,
  fixed: ProxyStart,
  proc: { host: ProxyStart; tree: ProxyStart },
): Row[] {
  const spec = loadSpecs(setup);
  const row = (start: ProxyStart, rowInfo: RowInfo, build: SpecFor): Row =>
    start.ok ? loadRow(rowInfo, () => build(start.proxy)) : { info: rowInfo, skipped: start.note };
  return [
    row(fixed, info("http_forward", "plain HTTP forward, keep-alive", DIRECT.http), spec.forward),
    row(fixed, info("l4_keepalive", "L4 tunnel, keep-alive", DIRECT.tlsKeepAlive), spec.l4),
    row(fixed, info("l7_keepalive", "L7 intercepted, keep-alive", DIRECT.tlsKeepAlive), spec.l7),
    row(
      fixed,
      info("l7_new_tunnel", "L7 new intercepted tunnel (CONNECT+TLS+GET)", DIRECT.tlsNew),
      spec.l7New,
    ),
    fixed.ok ? denyRow(setup, fixed.proxy) : { info: DENY_INFO, skipped: fixed.note },
    row(
      proc.host,
      info("proc.http_forward", "plain HTTP forward, keep-alive, /proc identity", DIRECT.http),
      spec.forward,
    ),
    row(
      proc.host,
      info("proc.l7_new_tunnel", "L7 new intercepted tunnel, /proc identity", DIRECT.tlsNew),
      spec.l7New,
    ),
    // What a `tollgate sandbox run` agent pays: holders searched in the sandbox's tree only.
    row(
      proc.tree,
      info(
        "proc_tree.l7_new_tunnel",
        "L7 new intercepted tunnel, /proc identity in the client's process tree",
        DIRECT.tlsNew,
      ),
      spec.l7New,
    ),
  ];
}

type SpecFor = (proxy: TollgateProxy) => LoadRowSpec;

/** What each kind of Tollgate row sends, through a given proxy. */
function loadSpecs(setup: BenchSetup): Record<"forward" | "l4" | "l7" | "l7New", SpecFor> {
  const { httpPort, httpsPort } = setup.upstreams;
  const { keepAlive, newConnection } = setup.budget;
  const l4 = `${BENCH_HOSTS.l4}:${httpsPort}`;
  const l7 = `${BENCH_HOSTS.l7}:${httpsPort}`;
  const inTunnel = getRequest(l7, OK_PATH);
  // Intercepted tunnels present a leaf of the proxy's own CA, which the client must trust.
  const intercepted = (p: TollgateProxy): Opener =>
    tunnelOpener(p.port, l7, { servername: BENCH_HOSTS.l7, ca: [p.caPem] });
  return {
    forward: (p) => ({
      open: plainOpener(p.port),
      request: getRequest(`${BENCH_HOSTS.http}:${httpPort}`, OK_PATH, true),
      mode: "keep-alive",
      bounds: keepAlive,
      paired: directHttp(setup),
    }),
    l4: (p) => ({
      open: tunnelOpener(p.port, l4, upstreamTls(setup, BENCH_HOSTS.l4)),
      request: getRequest(l4, OK_PATH),
      mode: "keep-alive",
      bounds: keepAlive,
    }),
    l7: (p) => ({ open: intercepted(p), request: inTunnel, mode: "keep-alive", bounds: keepAlive }),
    l7New: (p) => ({
      open: intercepted(p),
      request: inTunnel,
      mode: "new-connection",
      bounds: newConnection,
    }),
  };
}

function info(id: string, label: string, baseline: string): RowInfo {
  return { id: `tollgate.${id}`, group: "tollgate", label: `Tollgate ${label}`, baseline };
}

/**
 * The deny row: POSTs to a read-only `rest` endpoint over plain HTTP. Each answer is a 403
 * with `Connection: close`, so every request pays a new connection, like its baseline. The
 * body is checked once per repetition to be the structured deny, not any 403.
 */
const DENY_INFO = info("deny", "deny path: structured 403, plain HTTP", DIRECT.httpNew);

function denyRow(setup: BenchSetup, proxy: TollgateProxy): Row {
  const authority = `${BENCH_HOSTS.rest}:${setup.upstreams.httpPort}`;
  const request = getRequest(authority, OK_PATH, true, "POST").replace(
    "\r\n\r\n",
    "\r\nContent-Length: 0\r\n\r\n",
  );
  const open = plainOpener(proxy.port);
  const load = loadRow(DENY_INFO, () => ({
    open,
    request,
    mode: "new-connection",
    bounds: setup.budget.newConnection,
    expectStatus: 403,
  }));
  return {
    info: load.info,
    measure: async () => {
      const conn = await open();
      try {
        const response = await conn.request(new TextEncoder().encode(request));
        const body = JSON.parse(new TextDecoder().decode(response.body));
        if (response.status !== 403 || body.error !== "policy_denied" || !body.rule_missing) {
          throw new Error(`Deny response is not the structured 403 (status ${response.status})`);
        }
      } finally {
        conn.close();
      }
      return await load.measure!();
    },
  };
}
