/**
 * The pieces of the sandbox bridge on their own: the preamble, the Unix-socket listener that
 * only admits the forwarder.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { join } from "node:path";
import { UnixBridge } from "./mod.ts";
import {
  type BridgePeer,
  decodePreamble,
  encodePreamble,
  newBridgeSecret,
  PREAMBLE_LENGTH,
} from "./_preamble.ts";
import { listeningInodes } from "./_close_on_exec.ts";

Deno.test("decodePreamble() accepts only the secret it expects and a valid connection", () => {
  const secret = newBridgeSecret();
  const other = newBridgeSecret();
  const peer = (clientPort: number, serverAddress = "127.0.0.1", serverPort = 3128) => ({
    clientAddress: "127.0.0.1",
    clientPort,
    serverAddress,
    serverPort,
  });
  const text = (s: string, client: string) =>
    new TextEncoder().encode(`TG2 ${s} ${client} 7f000001:03128\n`);
  const table: { bytes: Uint8Array; want: ReturnType<typeof peer> | undefined }[] = [
    { bytes: encodePreamble(secret, peer(43210)), want: peer(43210) },
    { bytes: encodePreamble(secret, peer(1, "198.18.0.7", 443)), want: peer(1, "198.18.0.7", 443) },
    { bytes: encodePreamble(other, peer(43210)), want: undefined },
    { bytes: text(secret, "7f000001:00000"), want: undefined },
    { bytes: text(secret, "7f000001:70000"), want: undefined },
    { bytes: text(secret, "7F000001:00080"), want: undefined },
    { bytes: text(secret.toUpperCase(), "7f000001:00080"), want: undefined },
    { bytes: encodePreamble(secret, peer(80)).subarray(0, PREAMBLE_LENGTH - 1), want: undefined },
  ];
  for (const [i, { bytes, want }] of table.entries()) {
    assert.deepEqual(decodePreamble(bytes, secret), want, `case ${i}`);
  }
  assert.equal(encodePreamble(secret, peer(80)).length, PREAMBLE_LENGTH);
  assert.throws(() => encodePreamble("short", peer(80)), TypeError);
  assert.throws(() => encodePreamble(secret, peer(0)), RangeError);
  assert.throws(() => encodePreamble(secret, { ...peer(80), clientAddress: "::1" }), RangeError);
});

async function withBridge(
  fn: (
    bridge: UnixBridge,
    secret: string,
    admitted: [net.Socket, BridgePeer][],
    refused: string[],
  ) => Promise<void>,
  // Short only where a test waits for it to pass: this machine can stall a process for
  // several hundred ms, and a short limit then refuses a client that did send its preamble.
  preambleTimeoutMs = 5_000,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const secret = newBridgeSecret();
  const admitted: [net.Socket, BridgePeer][] = [];
  const refused: string[] = [];
  const bridge = await UnixBridge.listen(
    join(dir, "proxy.sock"),
    secret,
    (socket, peer) => admitted.push([socket, peer]),
    { preambleTimeoutMs, onRefused: (reason) => refused.push(reason) },
  );
  try {
    await fn(bridge, secret, admitted, refused);
  } finally {
    for (const [socket] of admitted) socket.destroy();
    await bridge.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Connect, send `bytes`, and return everything received until the bridge closes. */
async function exchange(path: string, bytes: Uint8Array): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    let text = "";
    try {
      await conn.write(bytes);
      for await (const chunk of conn.readable) text += new TextDecoder().decode(chunk);
    } catch (error) {
      // A refusal closes with our bytes unread, which the kernel may turn into a reset; and a
      // stall between connecting and writing can let the preamble timer refuse us first.
      const refused = error instanceof Deno.errors.ConnectionReset ||
        error instanceof Deno.errors.BrokenPipe;
      if (!refused) throw error;
    }
    return text;
  } finally {
    try {
      conn.close();
    } catch {
      // The readable stream's end already closed it.
    }
  }
}

Deno.test("UnixBridge admits the forwarder's preamble and leaves the client's bytes intact", () =>
  withBridge(async (bridge, secret, admitted) => {
    assert.equal((await Deno.stat(bridge.path)).mode! & 0o777, 0o600);
    const conn = await Deno.connect({ transport: "unix", path: bridge.path });
    const request = "GET http://example.com/ HTTP/1.1\r\n\r\n";
    const peer = {
      clientAddress: "198.18.0.7",
      clientPort: 40001,
      serverAddress: "198.18.0.7",
      serverPort: 443,
    };
    const preamble = encodePreamble(secret, peer);
    // Preamble and the client's first bytes in one write, as the forwarder may send them.
    await conn.write(new Uint8Array([...preamble, ...new TextEncoder().encode(request)]));
    while (admitted.length === 0) await new Promise((r) => setTimeout(r, 5));
    const [socket, got] = admitted[0]!;
    assert.deepEqual(got, peer);
    const received = await new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk: Uint8Array) => {
        text += new TextDecoder().decode(chunk);
        if (text.length >= request.length) resolve(text);
      });
    });
    assert.equal(received, request);
    conn.close();
  }));

Deno.test("UnixBridge refuses a connection without the secret, before any byte is served", () =>
  withBridge(async (bridge, _secret, admitted, refused) => {
    const forged = encodePreamble(newBridgeSecret(), {
      clientAddress: "127.0.0.1",
      clientPort: 40001,
      serverAddress: "127.0.0.1",
      serverPort: 3128,
    });
    assert.equal(await exchange(bridge.path, forged), "");
    assert.equal(await exchange(bridge.path, new TextEncoder().encode("GET / HTTP/1.1\r\n")), "");
    assert.equal(admitted.length, 0);
    assert.deepEqual(refused, [
      "bridge connection without a valid preamble",
      "bridge connection sent no preamble in time",
    ]);
  }, 100));

Deno.test("UnixBridge closes an empty connection (the forwarder's check) unreported", () =>
  withBridge(async (bridge, _secret, admitted, refused) => {
    const empty = await Deno.connect({ transport: "unix", path: bridge.path });
    empty.close();
    // A part of a preamble, then the end: still reported.
    const partial = await Deno.connect({ transport: "unix", path: bridge.path });
    await partial.write(new TextEncoder().encode("TG2 "));
    await partial.closeWrite();
    assert.equal(await partial.read(new Uint8Array(1)).catch(() => null), null);
    partial.close();
    assert.equal(admitted.length, 0);
    assert.deepEqual(refused, ["bridge connection without a valid preamble"]);
  }));

Deno.test("UnixBridge.close() removes the socket file; long paths are refused", async () => {
  let path = "";
  await withBridge((bridge) => {
    path = bridge.path;
    return Promise.resolve();
  });
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  await assert.rejects(
    UnixBridge.listen(`/tmp/${"x".repeat(120)}.sock`, newBridgeSecret(), () => {}),
    /longer than 107 bytes/,
  );
});

// The forwarder and the sandboxed command are spawned after the bridge listens: holding its
// listening socket, the command could accept the forwarder's connections meant for the runner.
Deno.test("UnixBridge's listening socket is not inherited by processes spawned after it", () =>
  withBridge(async (bridge) => {
    const inodes = listeningInodes(await Deno.readTextFile("/proc/self/net/unix"), bridge.path);
    assert.equal(inodes.length, 1);
    const child = await new Deno.Command("sh", {
      args: ["-c", 'for f in /proc/$$/fd/*; do readlink "$f"; done'],
      stdout: "piped",
    }).output();
    const links = new TextDecoder().decode(child.stdout).split("\n");
    assert.ok(links.filter(Boolean).length >= 3, "the child listed its descriptors");
    assert.ok(!links.includes(`socket:[${inodes[0]}]`), "the child holds the bridge socket");
  }));

Deno.test("openBridgeSocket() waits for room while the runner accepts nothing, a plain connect does not", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "proxy.sock");
  // A queue of 2 unaccepted connections, and this process's loop held while a child connects 20
  // times: Deno.connect fails with EAGAIN at once on a full queue (15 of 20 here).
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen({ path, backlog: 2 }, () => resolve()));
  const module = new URL("./_bridge_unreachable.ts", import.meta.url).href;
  const script = `import { openBridgeSocket } from "${module}";
const open = Deno.args[0] === "retry" ? openBridgeSocket : (path) => Deno.connect({ transport: "unix", path });
console.log("go");
const got = await Promise.all(Array.from({ length: 20 }, () =>
  open("${path}").then((conn) => (conn.close(), "ok"), (error) => error.name)));
console.log(got.filter((word) => word === "ok").length);`;
  try {
    const counts: Record<string, string> = {};
    for (const mode of ["plain", "retry"]) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", "--quiet", script, mode],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      // Held once the child is about to connect (its own start may take long on a busy machine).
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("go\n")) text += (await lines.read()).value ?? "go\n";
      const until = Date.now() + 1_500;
      while (Date.now() < until) { /* the runner's loop, stalled */ }
      for (let chunk = await lines.read(); !chunk.done; chunk = await lines.read()) {
        text += chunk.value;
      }
      await child.status;
      counts[mode] = text.replace("go\n", "").trim();
    }
    assert.equal(counts.retry, "20");
    assert.notEqual(counts.plain, "20");
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await Deno.remove(dir, { recursive: true });
  }
});
