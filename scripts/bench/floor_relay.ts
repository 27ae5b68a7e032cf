/**
 * The floor of a proxy in this runtime: a bare relay on `node:net` (the sockets Tollgate's tunnel
 * uses), with no policy, identity, audit, limits or timeouts, piping bytes both ways. Measured
 * beside Tollgate and Squid in the L4 concurrency rows, it says how much of any gap to Squid is
 * the runtime's own and how much is Tollgate's. Given certificates, it intercepts instead, as
 * Tollgate's L7 path does on `node:tls`: it terminates the client's TLS with the leaf it was
 * given and opens one verified TLS connection upstream per client; the RSS rows measure it so.
 *
 * Run: `deno run --allow-net=127.0.0.1 scripts/bench/floor_relay.ts PORT [CERTS.json]`; started
 * by `startFloorRelay()` under the peers' lifeline, which stops it with the benchmark.
 *
 * @module
 */

import { connect, createServer, type Socket } from "node:net";
import * as tls from "node:tls";
import { join } from "node:path";
import { type ChildProcesses, freePort } from "./child_processes.ts";
import { launch, type PeerOptions, type PeerStart } from "./peer_proxies.ts";
import type { TestCertificates } from "./test_ca.ts";

const CONNECT_LINE = /^CONNECT 127\.0\.0\.1:(\d+) /;
const CONNECT_NAME = /^CONNECT ([^\s:]+):(\d+) /;
const ESTABLISHED = "HTTP/1.1 200 Connection Established\r\n\r\n";

/** Reads the CONNECT head, dials 127.0.0.1 on its port, answers 200 and pipes both ways. */
function relay(client: Socket): void {
  client.once("data", (head: Uint8Array) => {
    const port = CONNECT_LINE.exec(new TextDecoder().decode(head))?.[1];
    if (port === undefined) return void client.destroy();
    const upstream = connect(Number(port), "127.0.0.1", () => {
      client.write(ESTABLISHED);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
}

/**
 * Reads the CONNECT head (a name and a port), answers 200, terminates the client's TLS with the
 * given leaf and pipes the plaintext both ways through TLS to 127.0.0.1 on that port, verified
 * against the given CA under that name.
 */
function intercept(client: Socket, certs: TestCertificates, context: tls.SecureContext): void {
  client.once("data", (head: Uint8Array) => {
    const [, name, port] = CONNECT_NAME.exec(new TextDecoder().decode(head)) ?? [];
    if (name === undefined) return void client.destroy();
    // Paused before the TLS socket takes over its reads (node:tls reads its handle itself).
    client.pause();
    client.setNoDelay(true);
    client.write(ESTABLISHED);
    const secure = new tls.TLSSocket(client, { isServer: true, secureContext: context });
    // As Tollgate connects: TCP with TCP_NODELAY, then TLS on it.
    const tcp = connect({ host: "127.0.0.1", port: Number(port), noDelay: true });
    const upstream = tls.connect({ socket: tcp, servername: name, ca: certs.caPem });
    secure.pipe(upstream);
    upstream.pipe(secure);
    const close = () => (secure.destroy(), upstream.destroy());
    for (const socket of [client, secure, tcp, upstream]) {
      socket.on("error", close).on("close", close);
    }
  });
}

/** What makes the floor relay intercept (see {@linkcode startFloorRelay}). */
export interface FloorTls {
  /** Its leaf (for every name), and the CA that verifies the upstream. */
  certs: TestCertificates;
  /**
   * The V8 flags Tollgate's proxy runs with, given by the caller: imported here, they would
   * load the proxy's modules into the relay too.
   */
  v8Flags: string;
}

/**
 * Start the floor relay (this file, in this very Deno) as a peer: a CONNECT relay on
 * `node:net` for the L4 rows, or with `intercepting` an intercepting one on `node:tls` for
 * the L7 RSS row.
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
  intercepting?: FloorTls,
): Promise<PeerStart> {
  const script = new URL("./floor_relay.ts", import.meta.url).pathname;
  const port = await freePort();
  const file = join(o.dir, "floor-certs.json");
  if (intercepting !== undefined) {
    await Deno.writeTextFile(file, JSON.stringify(intercepting.certs));
  }
  const tlsArgs = intercepting === undefined
    ? { flags: [], files: [] }
    : { flags: [`--allow-read=${file}`, `--v8-flags=${intercepting.v8Flags}`], files: [file] };
  const args = [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    ...tlsArgs.flags,
    script,
    String(port),
    ...tlsArgs.files,
  ];
  const name = intercepting === undefined ? "floor relay (node:net)" : "floor relay (node:tls)";
  return await launch(children, { name, port, binary: Deno.execPath(), args }, o);
}

if (import.meta.main) {
  const [port, certsFile] = Deno.args;
  const certs: TestCertificates | undefined = certsFile === undefined
    ? undefined
    : JSON.parse(await Deno.readTextFile(certsFile));
  const context = certs && tls.createSecureContext({ cert: certs.chainPem, key: certs.keyPem });
  const serve = certs && context ? (c: Socket) => intercept(c, certs, context) : relay;
  createServer(serve).listen(Number(port), "127.0.0.1");
}
