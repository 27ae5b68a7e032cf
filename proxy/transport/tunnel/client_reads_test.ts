import assert from "node:assert/strict";
import * as net from "node:net";
import { relayClientReads } from "./client_reads.ts";
import { evalWithProxyFlags } from "../../../tests/support/eval_with_proxy_flags.ts";

/** A connected pair of real sockets: [the one `net.connect` made, the accepted one]. */
async function socketPair(): Promise<[net.Socket, net.Socket, () => Promise<void>]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, "127.0.0.1");
  await new Promise((resolve) => client.once("connect", resolve));
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return [client, await accepted, close];
}

Deno.test("relayClientReads() carries an upload byte for byte between real sockets", async () => {
  // Each chunk's memory is freed once the next socket took it: freed too early, it would
  // arrive as other bytes (or none).
  const body = Uint8Array.from({ length: 8 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 16)) % 251);
  const [sender, accepted, closeA] = await socketPair();
  const [upstream, receiver, closeB] = await socketPair();
  relayClientReads(accepted, upstream);
  const received: Uint8Array<ArrayBuffer>[] = [];
  const ended = new Promise((resolve) => receiver.once("end", resolve));
  receiver.on("data", (chunk: Uint8Array) => received.push(Uint8Array.from(chunk)));
  sender.end(body);
  await ended;
  const whole = new Uint8Array(await new Blob(received).arrayBuffer());
  assert.equal(whole.length, body.length);
  assert.ok(whole.every((byte, i) => byte === body[i]), "the relayed bytes differ from the sent");
  for (const socket of [sender, accepted, upstream, receiver]) socket.destroy();
  await Promise.all([closeA(), closeB()]);
});

Deno.test("relayClientReads() under PROXY_V8_FLAGS keeps a 96 MB upload's reads bounded", async () => {
  // A child process with the proxy's flags relays 96 MB from an accepted socket to a
  // discarding one; piped instead, the 64 KB reads piled up outside the heap (137 MB of RSS
  // over a 256 MB upload in the bench).
  const root = new URL("../../../", import.meta.url);
  const script = `
    import * as net from "node:net";
    import { relayClientReads } from "${new URL("proxy/transport/tunnel/client_reads.ts", root)}";
    const total = 96 * 1024 * 1024;
    const piece = new Uint8Array(256 * 1024).fill(117);
    const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    // The sink reads into one reused buffer, so that only the relay's reads are counted.
    const discard = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    discard.accept().then(async (conn) => {
      const buffer = new Uint8Array(64 * 1024);
      while ((await conn.read(buffer)) !== null);
      conn.close();
    });
    let peak = 0;
    const timer = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().external), 5);
    const done = new Promise((resolve) => {
      const front = net.createServer((accepted) => {
        const upstream = net.connect(discard.addr.port, "127.0.0.1");
        upstream.once("finish", resolve);
        relayClientReads(accepted, upstream);
      });
      listen(front).then(() => {
        const client = net.connect(front.address().port, "127.0.0.1");
        let sent = 0;
        const more = () => {
          while (sent < total) {
            sent += piece.length;
            if (!client.write(piece)) return void client.once("drain", more);
          }
          client.end();
        };
        client.once("connect", more);
      });
    });
    await done;
    clearInterval(timer);
    console.log(JSON.stringify({ peakMb: peak / 2 ** 20 }));
    Deno.exit(0);
  `;
  const { json } = await evalWithProxyFlags(script);
  const peakMb = json.peakMb as number;
  assert.ok(peakMb < 16, `external memory peaked at ${peakMb.toFixed(1)} MB`);
});
