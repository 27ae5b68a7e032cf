import assert from "node:assert/strict";
import * as net from "node:net";
import { PassThrough } from "node:stream";
import { spliceConn, spliceConns } from "./conn_relay.ts";

/** A connected loopback pair of `Deno.Conn`s. */
async function pair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ends = await Promise.all([Deno.connect({ port: listener.addr.port }), listener.accept()]);
  listener.close();
  return ends;
}

/** `size` bytes of a pattern that shows any reordered or overwritten read. */
function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 16)) & 0xff;
  return bytes;
}

async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    chunks.push(buffer.slice(0, n));
  }
  const all = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const chunk of chunks) all.set(chunk, (at += chunk.length) - chunk.length);
  return all;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const buffers = (): [Uint8Array, Uint8Array] => [new Uint8Array(4096), new Uint8Array(4096)];

/** agent ⇄ client, spliced to upstream ⇄ origin, with a PassThrough standing for the face. */
async function spliced() {
  const [agent, client] = await pair();
  const [upstream, origin] = await pair();
  const face = new PassThrough();
  let close = () => {};
  const done = spliceConns(face, client, upstream, buffers(), {
    onStart: (c) => (close = c),
    first: [new TextEncoder().encode("first:")],
  });
  return { agent, origin, face, done, close: () => close() };
}

Deno.test("spliceConns passes each side's half-close on, the other way still flowing", async () => {
  const { agent, origin, face, done } = await spliced();
  await agent.write(new TextEncoder().encode("request"));
  await agent.closeWrite();
  // The bytes sent before the splice go first; the agent's end reaches the origin.
  assert.equal(text(await readAll(origin)), "first:request");
  await origin.write(new TextEncoder().encode("response after the client's end"));
  await origin.closeWrite();
  assert.equal(text(await readAll(agent)), "response after the client's end");
  await done;
  assert.equal(face.destroyed, true);
  agent.close();
  origin.close();
});

Deno.test("spliceConns carries every byte both ways at once, in order", async () => {
  const { agent, origin, done } = await spliced();
  const up = pattern(3 << 20);
  const down = pattern(5 << 20).reverse();
  const sent = Promise.all([
    agent.write(up).then(async function more(n): Promise<void> {
      if (n < up.length) return more(n + await agent.write(up.subarray(n)));
      await agent.closeWrite();
    }),
    (async () => {
      for (let n = 0; n < down.length;) n += await origin.write(down.subarray(n));
      await origin.closeWrite();
    })(),
  ]);
  const [atOrigin, atAgent] = await Promise.all([readAll(origin), readAll(agent)]);
  await sent;
  assert.equal(atOrigin.length, up.length + "first:".length);
  assert.deepEqual(atOrigin.subarray("first:".length), up);
  assert.deepEqual(atAgent, down);
  await done;
  agent.close();
  origin.close();
});

Deno.test("spliceConns holds the origin back while the client reads nothing", async () => {
  const { agent, origin, done, close } = await spliced();
  const payload = pattern(64 << 20);
  let written = 0;
  const writing = (async () => {
    while (written < payload.length) written += await origin.write(payload.subarray(written));
  })().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 500));
  // Only the sockets' buffers and the relay's one buffer hold bytes: the rest waits.
  assert.ok(written < 32 << 20, `the origin wrote ${written} bytes to a client reading none`);
  const atWait = written;
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(written - atWait < 1 << 20, "the origin kept writing to a client reading none");
  close();
  await done;
  await writing;
  agent.close();
  origin.close();
});

Deno.test("spliceConns closes both sides when its close is called or the face closes", async () => {
  for (const how of ["close", "face"] as const) {
    const { agent, origin, face, done, close } = await spliced();
    if (how === "close") close();
    else face.destroy();
    await done;
    // Each peer sees its connection end (reset or end of stream), nothing hangs.
    await assert.doesNotReject(readAll(agent).catch(() => new Uint8Array()));
    await assert.doesNotReject(readAll(origin).catch(() => new Uint8Array()));
    agent.close();
    origin.close();
  }
});

Deno.test("spliceConn relays a node client socket that half-closed to a Deno.Conn upstream", async () => {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const agent = await Deno.connect({ port: (server.address() as net.AddressInfo).port });
  const socket = await accepted;
  const [upstream, origin] = await pair();
  await agent.write(new TextEncoder().encode("upload"));
  await agent.closeWrite();
  const done = spliceConn(socket, upstream, new Uint8Array(4096), { first: [] });
  assert.equal(text(await readAll(origin)), "upload");
  await origin.write(new TextEncoder().encode("answer"));
  await origin.closeWrite();
  assert.equal(text(await readAll(agent)), "answer");
  await done;
  agent.close();
  origin.close();
  await new Promise((resolve) => server.close(resolve));
});
