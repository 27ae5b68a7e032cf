import assert from "node:assert/strict";
import * as net from "node:net";
import { adoptReads } from "./adopt_reads.ts";

type Transport = "tcp" | "unix";
type Accepted = { client: net.Socket; old: net.Socket; close(): Promise<void> };

/**
 * A listening server (half-open allowed, as the proxy's and the sandbox bridge's) and a client
 * connected to it, over TCP or a unix socket (the bridge from a sandbox).
 */
async function accepted(transport: Transport = "tcp"): Promise<Accepted> {
  const server = net.createServer({ allowHalfOpen: true });
  const dir = transport === "unix" ? await Deno.makeTempDir() : undefined;
  const path = `${dir}/proxy.sock`;
  await new Promise<void>((resolve) =>
    dir === undefined ? server.listen(0, "127.0.0.1", resolve) : server.listen(path, resolve)
  );
  const accepting = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const client = dir === undefined
    ? net.connect((server.address() as net.AddressInfo).port, "127.0.0.1")
    : net.connect(path);
  const old = await accepting;
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (dir !== undefined) await Deno.remove(dir, { recursive: true });
  };
  return { client, old, close };
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.destroyed ? resolve() : socket.once("close", resolve));
}

for (const transport of ["tcp", "unix"] as const) {
  Deno.test(`adoptReads() reads a ${transport} upload into the one buffer it was given, after what the old socket read`, async () => {
    await uploadThroughOneBuffer(transport);
  });
}

async function uploadThroughOneBuffer(transport: Transport): Promise<void> {
  const { client, old, close } = await accepted(transport);
  // The old socket reads the head, as the proxy's ByteStream does, then lets go.
  const head = new Promise<string>((resolve) => old.once("data", (chunk) => resolve(`${chunk}`)));
  client.write("CONNECT a.test:443 HTTP/1.1\r\n\r\n");
  assert.equal(await head, "CONNECT a.test:443 HTTP/1.1\r\n\r\n");
  old.pause();
  const buffer = new Uint8Array(64 * 1024);
  const buffers = new Set<Uint8Array>();
  let sum = 0;
  let received = 0;
  const socket = adoptReads(old, {
    buffer,
    callback(bytes, into) {
      buffers.add(into);
      for (let i = 0; i < bytes; i++) sum = (sum + into[i]! * ((received + i) % 251)) % 1_000_003;
      received += bytes;
      return true;
    },
  });
  assert.ok(socket !== undefined);
  const ended = new Promise((resolve) => socket.once("end", resolve));
  socket.resume();
  const piece = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 7) % 256);
  const total = 32 * 1024 * 1024;
  let want = 0;
  for (let sent = 0; sent < total; sent += piece.length) {
    for (let i = 0; i < piece.length; i++) {
      want = (want + piece[i]! * ((sent + i) % 251)) % 1_000_003;
    }
    if (!client.write(piece)) await new Promise((resolve) => client.once("drain", resolve));
  }
  client.end();
  await ended;
  assert.equal(received, total);
  assert.equal(sum, want, "the bytes arrived changed or out of order");
  assert.deepEqual([...buffers], [buffer]);
  // It writes too, and its close is the old socket's.
  const reply = new Promise<string>((resolve) => client.once("data", (d) => resolve(`${d}`)));
  socket.end("done");
  assert.equal(await reply, "done");
  await Promise.all([closed(old), closed(socket)]);
  client.destroy();
  await close();
}

Deno.test("adoptReads() leaves a socket holding unread bytes or its peer's FIN as it was", async () => {
  const { client, old, close } = await accepted();
  const onread = { buffer: new Uint8Array(1024), callback: () => true };
  client.end("unread");
  // Without a reader, the old socket keeps the bytes and the FIN in its own buffer.
  while (old.readableLength === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(adoptReads(old, onread), undefined);
  let text = "";
  old.on("data", (chunk) => text += chunk);
  await new Promise((resolve) => old.once("end", resolve));
  assert.equal(text, "unread");
  old.destroy();
  await Promise.all([closed(old), closed(client)]);
  await close();
});

Deno.test("adoptReads(): destroying the old socket closes the connection through the adopted one", async () => {
  // Whoever counts or closes connections holds the old socket (the proxy's close, its cap).
  const { client, old, close } = await accepted();
  const socket = adoptReads(old, { buffer: new Uint8Array(1024), callback: () => true });
  assert.ok(socket !== undefined);
  const clientEnded = new Promise((resolve) => client.once("end", resolve));
  client.resume();
  old.destroy();
  await Promise.all([closed(old), closed(socket), clientEnded]);
  client.destroy();
  await close();
});
