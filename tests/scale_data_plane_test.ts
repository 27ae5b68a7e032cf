/**
 * Issue #15 items 1 and 3, the correctness side of what helper U changed: a proxy without a
 * sandbox (no process tree to search) finds a socket's holders off the event loop, in one
 * scan for every lookup waiting, and still counts every holder. Nothing here asserts speed.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { createProcIdentityResolver, type PeerAddress as Peer } from "../proxy/mod.ts";

function peerOf(socket: net.Socket): Peer {
  return {
    localPort: socket.localPort!,
    localAddress: socket.localAddress!,
    remotePort: socket.remotePort!,
    remoteAddress: socket.remoteAddress!,
  };
}

/** A server whose first `count` accepted sockets are handed to `onSockets` together. */
async function withSockets(
  count: number,
  onSockets: (sockets: net.Socket[]) => Promise<void>,
  connect: (port: number) => Promise<void>,
): Promise<void> {
  const sockets: net.Socket[] = [];
  const all = Promise.withResolvers<void>();
  const server = net.createServer((socket) => {
    sockets.push(socket);
    if (sockets.length === count) all.resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const clients = connect((server.address() as net.AddressInfo).port);
    await all.promise;
    try {
      await onSockets(sockets);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await clients;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

Deno.test("scale #15.3: a host-wide identity lookup reads no process's descriptors on the event loop", async () => {
  const resolver = createProcIdentityResolver();
  const readDirSync = Deno.readDirSync;
  let readsHere = 0;
  const conns: Deno.Conn[] = [];
  try {
    await withSockets(1, async ([socket]) => {
      // Every directory read of the scan (the pid list, each process's fd directory) would be
      // counted here if it ran on this thread, where it stalls every other client.
      (Deno as { readDirSync: typeof readDirSync }).readDirSync = (path) => {
        readsHere++;
        return readDirSync(path);
      };
      const who = await resolver.resolve(peerOf(socket!));
      Deno.readDirSync = readDirSync;
      assert.equal(who.exe, Deno.execPath());
      assert.equal(who.pid, Deno.pid);
    }, async (port) => {
      conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    });
  } finally {
    Deno.readDirSync = readDirSync;
    for (const conn of conns) conn.close();
    resolver.close?.();
  }
  assert.equal(readsHere, 0, `${readsHere} directory reads ran on the event loop`);
});

Deno.test("scale #15.3: host-wide lookups waiting together each get their own holders", async () => {
  const resolver = createProcIdentityResolver();
  const conns: Deno.Conn[] = [];
  const curl = Promise.withResolvers<Deno.ChildProcess>();
  try {
    await withSockets(9, async (sockets) => {
      // All nine lookups are in flight at once: one scan answers them, each with its holder.
      const answers = await Promise.all(sockets.map((s) => resolver.resolve(peerOf(s))));
      const exes = answers.map((who) => who.exe).sort();
      assert.deepEqual(exes, [...Array(8).fill(Deno.execPath()), "/usr/bin/curl"].sort());
      const curlPid = (await curl.promise).pid;
      for (const who of answers) {
        assert.equal(who.pid, who.exe === "/usr/bin/curl" ? curlPid : Deno.pid);
      }
    }, async (port) => {
      const child = new Deno.Command("curl", {
        args: ["-s", "-m", "20", `http://127.0.0.1:${port}/`],
        stdout: "null",
        stderr: "null",
      }).spawn();
      curl.resolve(child);
      for (let i = 0; i < 8; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      await child.status;
    });
  } finally {
    for (const conn of conns) conn.close();
    resolver.close?.();
  }
});
