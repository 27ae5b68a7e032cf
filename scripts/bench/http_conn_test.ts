import assert from "node:assert/strict";
import * as net from "node:net";
import { Buffer } from "node:buffer";
import { HttpConn } from "./http_conn.ts";
import { openTcp } from "./connect.ts";
import { ChildLines } from "./child_lines.ts";

/** A server that answers each request with the next canned reply (undefined: hang up). */
async function cannedServer(replies: (string | undefined)[]) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("data", () => {
      const reply = replies.shift();
      if (reply === undefined) socket.destroy();
      else socket.write(reply);
      if (reply?.includes("Connection: close")) socket.end();
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const GET = Buffer.from("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

Deno.test("HttpConn.request() parses length, chunked and close-delimited bodies", async () => {
  const server = await cannedServer([
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    'HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n{"error":"policy_denied"}',
  ]);
  const conn = new HttpConn(await openTcp(server.port));
  try {
    const first = await conn.request(GET);
    assert.deepEqual([first.status, first.closing, first.body.toString()], [200, false, "hello"]);
    const second = await conn.request(GET);
    assert.deepEqual([second.status, second.closing], [201, false]);
    assert.match(second.body.toString(), /abc/);
    const third = await conn.request(GET);
    assert.deepEqual([third.status, third.closing], [403, true]);
    assert.equal(JSON.parse(third.body.toString()).error, "policy_denied");
  } finally {
    conn.close();
    await server.close();
  }
});

Deno.test("HttpConn marks a kept-alive connection closed without an answer as stale", async () => {
  const server = await cannedServer(["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", undefined]);
  const conn = new HttpConn(await openTcp(server.port));
  try {
    assert.equal((await conn.request(GET)).status, 200);
    await assert.rejects(conn.request(GET));
    assert.equal(conn.stale, true);
    assert.equal(conn.dead, true);
  } finally {
    conn.close();
    await server.close();
  }
});

Deno.test("ChildLines splits a stream into lines and hands later ones to a listener", async () => {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of ['{"ports":[1', ",2]}\nfirst", "\nsecond\nthird"]) {
        controller.enqueue(encoder.encode(part));
      }
      controller.close();
    },
  });
  const lines = new ChildLines(stream);
  assert.equal(await lines.next(1000), '{"ports":[1,2]}');
  const later: string[] = [];
  await lines.done;
  lines.listen((line) => later.push(line));
  assert.deepEqual(later, ["first", "second", "third"]);
  assert.equal(await lines.next(1000), undefined);
});
