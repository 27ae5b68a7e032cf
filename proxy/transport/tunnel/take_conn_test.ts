import assert from "node:assert/strict";
import * as net from "node:net";
import { PassThrough } from "node:stream";
import { takeable, takeConn } from "./take_conn.ts";

const encode = (s: string) => new TextEncoder().encode(s);

/** A node server, and a connected Deno client with the node socket the server accepted. */
async function accepted(options: net.ServerOpts = {}) {
  const server = net.createServer({ allowHalfOpen: true, ...options });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const socket = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const agent = await Deno.connect({ port: (server.address() as net.AddressInfo).port });
  return {
    agent,
    socket: await socket,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function readText(conn: Deno.Conn, until: string): Promise<string> {
  let got = "";
  const buffer = new Uint8Array(1024);
  while (!got.endsWith(until)) {
    const n = await conn.read(buffer);
    if (n === null) break;
    got += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return got;
}

Deno.test("takeConn takes a socket node has read from: later bytes, writes and ends go through the conn", async () => {
  const { agent, socket, close } = await accepted();
  // As the proxy reads the CONNECT head on the node socket, then stops reading.
  await agent.write(encode("CONNECT head\r\n\r\n"));
  const head = await new Promise<string>((resolve) =>
    socket.once("data", (chunk: Uint8Array) => resolve(new TextDecoder().decode(chunk)))
  );
  assert.equal(head, "CONNECT head\r\n\r\n");
  const [a, b] = await loopbackPair();
  const conn = takeConn(socket, a)!;
  a.close();
  b.close();
  assert.ok(conn !== undefined);
  assert.equal(conn.remoteAddr.port, agent.localAddr.port);
  await agent.write(encode("tunnelled"));
  await agent.closeWrite();
  assert.equal(await readText(conn, "tunnelled"), "tunnelled");
  assert.equal(await conn.read(new Uint8Array(16)), null); // the agent's half-close
  await conn.write(encode("answer"));
  await conn.closeWrite();
  assert.equal(await readText(agent, "answer"), "answer");
  assert.equal(await agent.read(new Uint8Array(16)), null);
  // The node socket no longer owns the connection: destroying it leaves the conn open.
  socket.destroy();
  conn.close();
  agent.close();
  await close();
});

Deno.test("takeConn leaves a socket holding unread bytes, or one half-closed, as it was", async () => {
  const [a, b] = await loopbackPair();
  for (const state of ["unread", "ended"] as const) {
    const { agent, socket, close } = await accepted();
    await agent.write(encode("queued"));
    if (state === "ended") await agent.closeWrite();
    // Node read the bytes (and the end, if sent); "unread" puts them back in its queue.
    const chunk = await new Promise<Uint8Array>((resolve) => socket.once("data", resolve));
    socket.pause();
    if (state === "unread") socket.unshift(chunk);
    else await new Promise((resolve) => (socket.once("end", resolve), socket.resume()));
    assert.equal(takeConn(socket, a), undefined);
    assert.equal(socket.destroyed, false);
    if (state === "unread") {
      assert.equal(new TextDecoder().decode(socket.read() as Uint8Array), "queued");
    }
    socket.destroy();
    agent.close();
    await close();
  }
  a.close();
  b.close();
});

Deno.test("takeable: an accepted TCP socket is, a stream or a unix socket is not", async () => {
  const { agent, socket, close } = await accepted();
  assert.equal(takeable(socket), true);
  assert.equal(takeable(new PassThrough()), false);
  socket.destroy();
  agent.close();
  await close();
  const path = await Deno.makeTempFile();
  await Deno.remove(path);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const unix = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
  const peer = await Deno.connect({ transport: "unix", path });
  const local = await unix;
  assert.equal(takeable(local), false);
  local.destroy();
  peer.close();
  await new Promise((resolve) => server.close(resolve));
});

async function loopbackPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ends = await Promise.all([Deno.connect({ port: listener.addr.port }), listener.accept()]);
  listener.close();
  return ends;
}
