/**
 * Peer rows: Squid and tinyproxy on the same upstream, measured the way Tollgate is (plain
 * HTTP forward, L4 tunnel keep-alive, new tunnel per request). Peers have no policy names to
 * resolve, so they are asked for 127.0.0.1 directly; TLS still uses SNI `bench.example`.
 *
 * @module
 */

import { getRequest, loadRow, plainOpener, tunnelOpener } from "./http_rows.ts";
import { BENCH_HOSTS, type BenchSetup, OK_PATH, upstreamTls } from "./setup.ts";
import { DIRECT, directHttp } from "./rows_direct.ts";
import type { PeerStart } from "./peer_proxies.ts";
import type { Row } from "./row.ts";
import type { RowInfo } from "./report.ts";

/**
 * Three rows for a peer proxy, or three skipped rows with the peer's note.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { peerRows } from "./rows_peers.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const rows = peerRows(setup, { ok: false, name: "squid", note: "squid not installed" });
 * assert.deepEqual(rows.map((row) => row.info.id), [
 *   "peer.squid.http_forward",
 *   "peer.squid.l4_keepalive",
 *   "peer.squid.new_tunnel",
 * ]);
 * ```
 */
export function peerRows(setup: BenchSetup, peer: PeerStart): Row[] {
  const name = peer.name;
  const infos: RowInfo[] = [
    {
      id: `peer.${name}.http_forward`,
      group: "peer",
      label: `${name}: plain HTTP forward`,
      baseline: DIRECT.http,
    },
    {
      id: `peer.${name}.l4_keepalive`,
      group: "peer",
      label: `${name}: L4 tunnel, keep-alive`,
      baseline: DIRECT.tlsKeepAlive,
    },
    {
      id: `peer.${name}.new_tunnel`,
      group: "peer",
      label: `${name}: new tunnel (CONNECT+TLS+GET)`,
      baseline: DIRECT.tlsNew,
    },
  ];
  if (!peer.ok) return infos.map((info) => ({ info, skipped: peer.note }));
  for (const info of infos) info.label = `${name} ${peer.version}: ${info.label.split(": ")[1]}`;
  const { httpPort, httpsPort } = setup.upstreams;
  const { keepAlive, newConnection } = setup.budget;
  const origin = `127.0.0.1:${httpPort}`;
  const authority = `127.0.0.1:${httpsPort}`;
  const tlsReq = getRequest(`${BENCH_HOSTS.l7}:${httpsPort}`, OK_PATH);
  const tunnel = tunnelOpener(peer.port, authority, upstreamTls(setup));
  return [
    loadRow(infos[0]!, () => ({
      open: plainOpener(peer.port),
      request: getRequest(origin, OK_PATH, true),
      mode: "keep-alive",
      bounds: keepAlive,
      paired: directHttp(setup),
    })),
    loadRow(
      infos[1]!,
      () => ({ open: tunnel, request: tlsReq, mode: "keep-alive", bounds: keepAlive }),
    ),
    loadRow(
      infos[2]!,
      () => ({ open: tunnel, request: tlsReq, mode: "new-connection", bounds: newConnection }),
    ),
  ];
}
