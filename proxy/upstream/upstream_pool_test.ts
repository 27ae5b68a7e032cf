import assert from "node:assert/strict";
import * as net from "node:net";
import type { UpstreamConnection } from "./upstream_connection.ts";
import { UpstreamPool } from "./upstream_pool.ts";

/** A TCP server that accepts and holds connections; `open()` counts those still open. */
async function holdingServer(): Promise<{ port: number; open(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

Deno.test("UpstreamPool keeps the newest idle connections when full: one destination cannot hold the pool", async () => {
  const server = await holdingServer();
  const pool = new UpstreamPool({ maxIdle: 2 });
  const target = (host: string) => ({ host, port: server.port, address: "127.0.0.1", tls: false });
  try {
    // A hostile sandbox's own host fills the pool...
    const own: UpstreamConnection[] = [];
    for (let i = 0; i < 2; i++) own.push(await pool.connect(target("own.test")));
    for (const connection of own) pool.release(connection, true);
    // ...and another client's connection, released later, is kept all the same.
    pool.release(await pool.connect(target("api.test")), true);
    const kept = pool.takeIdle(target("api.test"));
    assert.equal(kept?.reused, true);
    // The oldest idle connection gave way: one own.test connection is left.
    const left = pool.takeIdle(target("own.test"));
    assert.equal(left?.stream, own[1]!.stream);
    assert.equal(pool.takeIdle(target("own.test")), undefined);
    for (const connection of [kept!, left!]) connection.stream.destroy();
  } finally {
    pool.close();
    await server.close();
  }
});

Deno.test("UpstreamPool closes idle connections at the idle limit and when room is needed", async () => {
  const server = await holdingServer();
  const pool = new UpstreamPool({ idleTimeoutMs: 100 });
  const target = (host: string) => ({ host, port: server.port, address: "127.0.0.1", tls: false });
  const settle = async (open: number) => {
    for (let i = 0; i < 200 && server.open() !== open; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(server.open(), open);
  };
  try {
    for (const host of ["a.test", "b.test", "c.test"]) {
      pool.release(await pool.connect(target(host)), true);
    }
    await settle(3);
    pool.trimIdle(1); // the two oldest give way to a client that needs descriptors
    await settle(1);
    assert.equal(pool.takeIdle(target("a.test")), undefined);
    assert.equal(pool.takeIdle(target("b.test")), undefined);
    await settle(0); // c.test at the idle limit
  } finally {
    pool.close();
    await server.close();
  }
});
