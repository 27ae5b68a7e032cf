/**
 * The floor relay on Deno's own sockets (`Deno.listen` / `Deno.connect`) instead of `node:net`:
 * the same bare CONNECT relay as `floor_relay.ts`, so the L4 rows can say which of the two
 * socket layers relays small requests faster in this Deno. Two ways to copy:
 * - `pipe`: `readable.pipeTo(writable)` each way (the streams allocate each chunk);
 * - `loop`: one buffer per direction, reused: `read()` into it, `write()` all of it, again.
 *
 * The L4 rows run `loop` (`scale.floor_loop.*`); `pipe` took more than twice node:net's CPU per
 * request at 64 and 256 clients (see `proxy/transport/tunnel/tunnel.ts`), so it has no row.
 *
 * Run: `deno run --allow-net=127.0.0.1 scripts/bench/floor_relay_deno.ts PORT pipe|loop`.
 *
 * @module
 */

import type { ChildProcesses } from "./child_processes.ts";
import { freePort } from "./child_processes.ts";
import { launch, type PeerOptions, type PeerStart } from "./peer_proxies.ts";

const CONNECT_LINE = /^CONNECT 127\.0\.0\.1:(\d+) /;
const ESTABLISHED = new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n");

/** How the Deno floor relay copies bytes. */
export type DenoRelayKind = "pipe" | "loop";

/**
 * Copy from `from` to `to` with one reused buffer until `from` ends, then half-close `to`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyLoop } from "./floor_relay_deno.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const a = await Deno.connect({ port: listener.addr.port });
 * const b = await listener.accept();
 * listener.close();
 * await a.write(new TextEncoder().encode("hi"));
 * await a.closeWrite();
 * const sink: Uint8Array[] = [];
 * await copyLoop(b, { write: (c) => (sink.push(c.slice()), Promise.resolve(c.length)), closeWrite: () => Promise.resolve() });
 * assert.equal(new TextDecoder().decode(sink[0]), "hi");
 * a.close();
 * b.close();
 * ```
 */
export async function copyLoop(
  from: Pick<Deno.Conn, "read">,
  to: Pick<Deno.Conn, "write" | "closeWrite">,
): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await from.read(buffer);
    if (n === null) break;
    let sent = 0;
    while (sent < n) sent += await to.write(buffer.subarray(sent, n));
  }
  await to.closeWrite();
}

async function relay(client: Deno.TcpConn, kind: DenoRelayKind): Promise<void> {
  const head = new Uint8Array(4096);
  const n = await client.read(head);
  const port = n === null
    ? undefined
    : CONNECT_LINE.exec(new TextDecoder().decode(head.subarray(0, n)))?.[1];
  if (port === undefined) return client.close();
  const upstream = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  await client.write(ESTABLISHED);
  const both = kind === "pipe"
    ? [client.readable.pipeTo(upstream.writable), upstream.readable.pipeTo(client.writable)]
    : [copyLoop(client, upstream), copyLoop(upstream, client)];
  await Promise.allSettled(both);
  for (const conn of [client, upstream]) {
    try {
      conn.close();
    } catch {
      // Closed already (pipeTo closes its ends).
    }
  }
}

/**
 * Start the Deno floor relay (this file, in this very Deno) as a peer, copying the `kind` way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { startDenoFloorRelay } from "./floor_relay_deno.ts";
 *
 * await using children = new ChildProcesses();
 * const o = { upstreamPorts: [], dir: "/tmp", maxSeconds: 60 };
 * const floor = await startDenoFloorRelay(children, o, "loop");
 * assert.ok(floor.ok && floor.port > 0);
 * await floor.stop();
 * ```
 */
export async function startDenoFloorRelay(
  children: ChildProcesses,
  o: PeerOptions,
  kind: DenoRelayKind,
): Promise<PeerStart> {
  const script = new URL("./floor_relay_deno.ts", import.meta.url).pathname;
  const port = await freePort();
  const args = ["run", "--quiet", "--allow-net=127.0.0.1", script, String(port), kind];
  const name = `floor relay (Deno.Conn ${kind})`;
  return await launch(children, { name, port, binary: Deno.execPath(), args }, o);
}

if (import.meta.main) {
  const [port, kind = "loop"] = Deno.args;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(port) });
  for await (const conn of listener) relay(conn, kind as DenoRelayKind).catch(() => {});
}
