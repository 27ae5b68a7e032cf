/**
 * The list of rows, in table order, starting only what the wanted rows need (peers,
 * Tollgate proxies, the gateway). Everything started is registered on `stack`.
 *
 * @module
 */

import type { ChildProcesses } from "./child_processes.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import { directRows } from "./rows_direct.ts";
import { peerRows } from "./rows_peers.ts";
import { decideRows } from "./rows_decide.ts";
import { startSquid, startTinyproxy } from "./peer_proxies.ts";

/**
 * Build every row. `wanted(prefix)` says whether any row under an id prefix is wanted, so
 * that nothing is started for rows that will not run.
 *
 * @example
 * ```ts ignore
 * const rows = await buildRows(setup, children, stack, () => true);
 * ```
 */
export async function buildRows(
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
  wanted: (idPrefix: string) => boolean,
): Promise<Row[]> {
  const rows: Row[] = [...directRows(setup)];
  const peerOptions = {
    upstreamPorts: [setup.upstreams.httpPort, setup.upstreams.httpsPort],
    dir: setup.dir,
    maxSeconds: setup.budget.repetitions === 1 ? 180 : 1800,
  };
  for (const start of [startSquid, startTinyproxy]) {
    const name = start === startSquid ? "squid" : "tinyproxy";
    if (!wanted(`peer.${name}`)) continue;
    const peer = await start(children, peerOptions);
    if (peer.ok) stack.defer(() => peer.stop());
    rows.push(...peerRows(setup, peer));
  }
  if (wanted("decide")) rows.push(...decideRows(setup.budget.decideMs));
  return rows;
}
