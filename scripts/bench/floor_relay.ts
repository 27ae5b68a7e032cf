/**
 * The floor of a CONNECT tunnel in this runtime: a bare relay on `node:net` (the sockets
 * Tollgate's tunnel uses), with no policy, identity, audit, limits or timeouts, piping bytes both
 * ways. Measured beside Tollgate and Squid in the L4 concurrency rows, it says how much of any gap
 * to Squid is the runtime's own and how much is Tollgate's.
 *
 * Run: `deno run --allow-net=127.0.0.1 scripts/bench/floor_relay.ts PORT`; started by
 * `startFloorRelay()` under the peers' lifeline, which stops it with the benchmark.
 *
 * @module
 */

import { connect, createServer, type Socket } from "node:net";
import { type ChildProcesses, freePort } from "./child_processes.ts";
import { launch, type PeerOptions, type PeerStart } from "./peer_proxies.ts";

const CONNECT_LINE = /^CONNECT 127\.0\.0\.1:(\d+) /;

/** Reads the CONNECT head, dials 127.0.0.1 on its port, answers 200 and pipes both ways. */
function relay(client: Socket): void {
  client.once("data", (head: Uint8Array) => {
    const port = CONNECT_LINE.exec(new TextDecoder().decode(head))?.[1];
    if (port === undefined) return void client.destroy();
    const upstream = connect(Number(port), "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
}

/**
 * Start the floor relay (this file: a bare CONNECT relay on `node:net` in this very
 * Deno) as a peer, for the L4 concurrency rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { startFloorRelay } from "./floor_relay.ts";
 *
 * await using children = new ChildProcesses();
 * const floor = await startFloorRelay(children, { upstreamPorts: [], dir: "/tmp", maxSeconds: 60 });
 * assert.ok(floor.ok && floor.port > 0);
 * await floor.stop();
 * ```
 */
export async function startFloorRelay(
  children: ChildProcesses,
  o: PeerOptions,
): Promise<PeerStart> {
  const script = new URL("./floor_relay.ts", import.meta.url).pathname;
  const args = ["run", "--quiet", "--allow-net=127.0.0.1", script, String(await freePort())];
  return await launch(
    children,
    { name: "floor relay (node:net)", port: Number(args.at(-1)), binary: Deno.execPath(), args },
    o,
  );
}

if (import.meta.main) createServer(relay).listen(Number(Deno.args[0]), "127.0.0.1");
