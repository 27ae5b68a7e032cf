/**
 * A hostile agent's HTTP/2 session that opens a 2 GiB receive window and then reads nothing:
 * Deno's `node:http2` would hand every answer's bytes to the session's socket as the window
 * allows, so the proxy queued whole answers in its memory (outside the sandbox's bound). Now
 * what the origin may hand over while the client reads nothing stays bounded, for an HTTP/2
 * origin and an HTTP/1.1 one, and an honest reader still gets every byte afterwards.
 */
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import {
  H2,
  H2FrameSplitter,
  h2Headers,
  h2RequestFields,
  openH2Session,
  type TestUpstreams,
} from "./support/mod.ts";
import { ghPublicPolicy, withGhOrigin } from "./proxy_hostile_fixtures.ts";
import { H2Uploads } from "./h2_uploads.ts";

const MIB = 1024 * 1024;
// Six: an HTTP/1.1 origin gets at most six connections of a session (see h2_upstream.ts).
const STREAMS = 6;
const SIZE = 16 * MIB;
const POLICY = ghPublicPolicy("GET");

/** An origin that answers every request with `SIZE` bytes, as fast as it may; bytes it sent. */
interface BigOrigin {
  port: number;
  sent: () => number;
  close(): Promise<void>;
}

async function bigOrigin(upstreams: TestUpstreams, protocol: "h2" | "h1"): Promise<BigOrigin> {
  const leaf = await upstreams.mintLeaf(["api.github.com"]);
  const piece = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  const pump = (
    write: (b: Uint8Array) => boolean,
    drain: (f: () => void) => void,
    end = () => {},
  ) => {
    let left = SIZE;
    const go = () => {
      for (; left > 0; left -= piece.length) {
        sent += piece.length;
        if (!write(piece)) return void (left -= piece.length, drain(go));
      }
      end();
    };
    go();
  };
  const options = { cert: leaf.chainPem, key: leaf.keyPem };
  const server = protocol === "h2"
    ? http2.createSecureServer(options).on("stream", (stream) => {
      stream.on("error", () => {});
      stream.respond({ ":status": 200, "content-length": SIZE });
      pump((b) => stream.write(b), (f) => stream.once("drain", f), () => stream.end());
    }).on("session", (s) => s.on("error", () => {}))
    : tls.createServer({ ...options, ALPNProtocols: ["http/1.1"] }, (socket) => {
      socket.on("error", () => {});
      socket.once("data", () => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${SIZE}\r\n\r\n`);
        pump((b) => socket.write(b), (f) => socket.once("drain", f));
      });
    });
  const sockets = new Set<{ destroy(): void }>();
  server.on("connection", (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sent: () => sent,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Count each stream's DATA bytes until every stream ended or the connection closed. */
async function readAnswers(conn: Deno.Conn): Promise<Map<number, number>> {
  const bytes = new Map<number, number>();
  let ended = 0;
  const splitter = new H2FrameSplitter();
  for await (const value of conn.readable) {
    for (const { type, flags, stream, payload } of splitter.push(value)) {
      if (type === H2.DATA) bytes.set(stream, (bytes.get(stream) ?? 0) + payload.byteLength);
      if ((type === H2.DATA || type === H2.HEADERS) && (flags & H2.END_STREAM) !== 0) ended++;
    }
    if (ended === STREAMS) break;
  }
  return bytes;
}

/** Until `value()` has not moved for a second (or 30 s have passed). */
async function untilQuiet(value: () => number): Promise<void> {
  let last = value();
  for (let quiet = 0, rounds = 0; quiet < 10 && rounds < 300; rounds++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    quiet = value() === last ? quiet + 1 : 0;
    last = value();
  }
}

for (const protocol of ["h2", "h1"] as const) {
  Deno.test(`proxy hostile h2: a client with a wide window that reads nothing holds a bounded backlog (${protocol} origin)`, async () => {
    const start = (upstreams: TestUpstreams) => bigOrigin(upstreams, protocol);
    await withGhOrigin({ policy: POLICY, start }, async ({ proxy, origins: { origin } }) => {
      const tls = await openH2Session(proxy);
      try {
        await tls.write(H2Uploads.wideOpen());
        for (let i = 0; i < STREAMS; i++) {
          const id = 1 + 2 * i;
          const fields = h2RequestFields("GET", `/public/big/${id}`);
          await tls.write(h2Headers(id, fields));
        }
        // The client reads nothing: what the origin could send is what the proxy took on.
        await untilQuiet(origin.sent);
        // Before, every answer went: 96 MiB queued in the proxy's memory for this one session.
        // Now 1 MiB of session backlog, each stream's windows and the sockets' kernel buffers.
        const sent = origin.sent();
        assert.ok(sent < 48 * MIB, `the origin handed over ${sent >> 20} MiB`);
        assert.ok(sent > 0, "the origin started answering");
        // An honest reader gets every byte of every answer.
        const bytes = await readAnswers(tls);
        assert.equal(bytes.size, STREAMS);
        for (const [id, n] of bytes) assert.equal(n, SIZE, `stream ${id}`);
      } finally {
        try {
          tls.close();
        } catch {
          // Closed by the reader already.
        }
      }
    });
  });
}

/** An HTTP/2 origin that opens 2 GiB windows, then never reads its socket again. */
async function deafWideOrigin(upstreams: TestUpstreams) {
  const leaf = await upstreams.mintLeaf(["api.github.com"]);
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.chainPem,
    key: leaf.keyPem,
    alpnProtocols: ["h2"],
  });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      // Its SETTINGS (2 GiB stream windows), the connection window opened wide, then silence.
      await conn.write(H2Uploads.wideOpen()).catch(() => {});
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      for (const conn of conns) conn.close();
      listener.close();
      return Promise.resolve();
    },
  };
}

Deno.test("proxy hostile h2: an HTTP/2 origin that opens wide windows and reads nothing gets a bounded backlog of an upload", async () => {
  const policy = ghPublicPolicy("POST");
  await withGhOrigin({ policy, start: deafWideOrigin }, async ({ proxy }) => {
    const tls = await openH2Session(proxy);
    const uploads = new H2Uploads(tls, [1], 64 * MIB);
    try {
      await tls.write(H2Uploads.wideOpen());
      const fields = h2RequestFields("POST", "/public/up");
      await tls.write(h2Headers(1, fields, { open: true }));
      await uploads.pump(1_000);
      // Before, the proxy took the whole 64 MiB: its writes to the origin's socket never waited.
      const sent = uploads.sent.get(1)!;
      assert.ok(sent < 24 * MIB, `the proxy took ${sent >> 20} MiB`);
      assert.ok(sent > 0);
    } finally {
      await uploads.close();
    }
  });
});
