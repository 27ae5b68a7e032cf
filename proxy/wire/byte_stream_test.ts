import assert from "node:assert/strict";
import { Duplex, PassThrough } from "node:stream";
import { ByteStream, FORWARD_WINDOW_BYTES } from "./byte_stream.ts";
import { evalWithProxyFlags } from "../../tests/support/eval_with_proxy_flags.ts";

Deno.test("ByteStream.forward() frees a relayed piece once its socket took it", async () => {
  const socket = new PassThrough();
  const out = new ByteStream(socket);
  const piece = new Uint8Array(64 * 1024).fill(7);
  await out.forward(piece);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(piece.buffer.byteLength, 0, "the piece's buffer is detached (freed)");
  out.destroy();
});

Deno.test("ByteStream.forward() only writes a piece that shares its buffer", async () => {
  const socket = new PassThrough();
  const out = new ByteStream(socket);
  const chunk = new Uint8Array(64 * 1024).fill(7);
  const [head, rest] = [chunk.subarray(0, 100), chunk.subarray(100)];
  await out.forward(head);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(chunk.buffer.byteLength, 64 * 1024, "the rest of the buffer stays readable");
  assert.equal(rest[0], 7);
  out.destroy();
});

Deno.test("ByteStream.forward() under PROXY_V8_FLAGS keeps a TLS download's dead reads bounded", async () => {
  // A child process with the proxy's flags relays 96 MB read from a TLS socket; without the
  // collections, the ciphertext reads under it piled up to 100 MB and more.
  const root = new URL("../../", import.meta.url);
  const script = `
    import * as net from "node:net";
    import * as tls from "node:tls";
    import { CertificateAuthority } from "${new URL("proxy/tls/mod.ts", root)}";
    import { ByteStream } from "${new URL("proxy/wire/byte_stream.ts", root)}";
    const total = 96 * 1024 * 1024;
    const dir = await Deno.makeTempDir();
    const ca = await CertificateAuthority.loadOrCreate(dir);
    const leaf = await ca.mintLeaf(["a.example"]);
    const piece = new Uint8Array(64 * 1024).fill(120);
    const server = tls.createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (socket) => {
      let sent = 0;
      const more = () => {
        while (sent < total) {
          sent += piece.length;
          if (!socket.write(piece)) return void socket.once("drain", more);
        }
      };
      more();
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = tls.connect({ port: server.address().port, servername: "a.example", ca: [ca.certPem] });
    // A discarding TCP peer: a socket's write callback means the bytes left (not so a
    // PassThrough's, which passes the chunk itself on).
    const discard = net.createServer((socket) => socket.resume());
    await new Promise((resolve) => discard.listen(0, "127.0.0.1", resolve));
    const sink = net.connect(discard.address().port, "127.0.0.1");
    const from = new ByteStream(client);
    const to = new ByteStream(sink);
    let peak = 0;
    await from.readExactly(total, (bytes) => {
      peak = Math.max(peak, Deno.memoryUsage().external);
      return to.forward(bytes);
    });
    from.destroy();
    to.destroy();
    sink.destroy();
    server.close();
    discard.close();
    await Deno.remove(dir, { recursive: true });
    console.log(JSON.stringify({ peakMb: peak / 2 ** 20 }));
  `;
  const { json } = await evalWithProxyFlags(script);
  const peakMb = json.peakMb as number;
  assert.ok(peakMb < 40, `external memory peaked at ${peakMb.toFixed(1)} MB`);
});

Deno.test("ByteStream pauses its socket only past one read's worth of unconsumed bytes", async () => {
  const socket = new PassThrough();
  const gate = { pauses: 0, resumes: 0 };
  const flow = { pause: () => void gate.pauses++, resume: () => void gate.resumes++ };
  const stream = new ByteStream(socket, { flow });
  const read = new Uint8Array(64 * 1024).fill(1); // the largest read a socket hands over
  for (let i = 0; i < 4; i++) {
    socket.write(read);
    assert.equal((await stream.read())?.byteLength, read.byteLength);
  }
  // Each read was consumed as it came: no pause, so no resume per read.
  assert.equal(gate.pauses, 0);
  // Unconsumed, a second read closes the gate: what is queued stays bounded at two reads.
  for (let i = 0; i < 3; i++) socket.write(read);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(gate.pauses, 1);
  assert.equal(socket.isPaused(), true);
  assert.ok(stream.buffered <= 2 * read.byteLength, `${stream.buffered} bytes queued`);
  stream.destroy();
});

/** How many 64 KB pieces `forward()` takes before it first waits, on a socket that never drains. */
function piecesBeforeWait(out: ByteStream): { accepted: number; waiting: Promise<void> } {
  let accepted = 0;
  while (accepted < 100) {
    const waiting = out.forward(new Uint8Array(64 * 1024).fill(accepted++));
    if (waiting !== undefined) return { accepted, waiting };
  }
  throw new Error("forward() never waited");
}

function stalledSocket(): { socket: Duplex; held: (() => void)[] } {
  // A socket whose writes complete only when told: a peer that has stopped reading.
  const held: (() => void)[] = [];
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      held.push(() => callback());
    },
  });
  return { socket, held };
}

Deno.test("ByteStream.forward() waits at the socket's own mark without a forward window", () => {
  const { socket } = stalledSocket();
  const out = new ByteStream(socket); // a client socket: a download it stops reading waits at once
  const { accepted, waiting } = piecesBeforeWait(out);
  waiting.catch(() => {});
  assert.equal(accepted, 1);
  out.destroy();
});

Deno.test("ByteStream.forward() lets reads go on while a bounded window is being written", async () => {
  const { socket, held } = stalledSocket();
  // An upstream connection (upstream_pool.ts): an upload's next read goes on meanwhile.
  const out = new ByteStream(socket, { window: FORWARD_WINDOW_BYTES });
  const read = 64 * 1024; // the largest read a socket hands over
  const { accepted, waiting } = piecesBeforeWait(out);
  // The next read went on for every piece that fit the window; then the relay waits.
  assert.equal(accepted, FORWARD_WINDOW_BYTES / read + 1);
  assert.ok(socket.writableLength <= FORWARD_WINDOW_BYTES + read, "bounded by window + 1 read");
  let drained = false;
  waiting.then(() => void (drained = true));
  while (held.length > 0) {
    held.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await waiting;
  assert.equal(drained, true);
  assert.equal(socket.writableLength, 0);
  out.destroy();
});
