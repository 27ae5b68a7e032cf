import assert from "node:assert/strict";
import * as net from "node:net";
import { RelayReads } from "./relay_reads.ts";

/** `size` bytes of a pattern that shows any reordered or overwritten read. */
function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 16)) & 0xff;
  return bytes;
}

/**
 * An upstream that sends `payload` and closes, and a client socket pair: `downstream` is the
 * proxy's end, `agent` the client's. The upstream's reads go to `downstream` through
 * RelayReads, as in the blind tunnel.
 */
async function relay(payload: Uint8Array) {
  const origin = net.createServer((socket) => socket.end(payload));
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const downstream = net.connect({ host: "127.0.0.1", port: listener.addr.port });
  const agent = await accepted;
  listener.close();
  const reads = new RelayReads();
  const { port } = origin.address() as net.AddressInfo;
  const upstream = net.connect({ host: "127.0.0.1", port, onread: reads.onread });
  await new Promise((resolve) => upstream.once("connect", resolve));
  reads.start(upstream, downstream);
  upstream.once("end", () => downstream.end());
  return {
    agent,
    async close() {
      upstream.destroy();
      downstream.destroy();
      await new Promise((resolve) => origin.close(resolve));
    },
  };
}

/** The first offset where `got` differs from `want` (-1 when equal), cheap to assert on. */
function firstDifference(got: Uint8Array, want: Uint8Array): number {
  for (let i = 0; i < Math.max(got.length, want.length); i++) if (got[i] !== want[i]) return i;
  return -1;
}

async function receive(agent: Deno.Conn, delayMs: number): Promise<Uint8Array> {
  // A client that waits first: the proxy's writes to it are queued, not taken at once.
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  return new Uint8Array(await new Response(agent.readable).arrayBuffer());
}

Deno.test("RelayReads relays every byte in order to a client that reads at once", async () => {
  const payload = pattern(1 << 20);
  const { agent, close } = await relay(payload);
  assert.equal(firstDifference(await receive(agent, 0), payload), -1);
  await close();
});

Deno.test("RelayReads never reuses a buffer still queued for a slow client", async () => {
  // Several times the socket buffers: most writes to the client wait in the queue.
  const payload = pattern(8 << 20);
  const { agent, close } = await relay(payload);
  assert.equal(firstDifference(await receive(agent, 200), payload), -1);
  await close();
});
