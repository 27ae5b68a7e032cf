/**
 * An HTTP/2 origin that reads frames off the wire (TLS, ALPN `h2`, a certificate from the test
 * upstreams' CA) and records, per stream, the DATA bytes and whether END_STREAM or RST_STREAM
 * came first: what an origin really received, which `node:http2` servers under Deno blur (one
 * emits `end` for a stream reset before its body ended). A stream that ends is answered 200.
 *
 * @module
 */

import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { H2, type H2Frame, h2Frame, H2FrameSplitter } from "./support/mod.ts";
import type { TestUpstreams } from "./support/mod.ts";

/** One stream as the origin received it. */
export interface RawH2Stream {
  id: number;
  /** Its DATA, as latin1 text. */
  body: string;
  /** END_STREAM arrived (before any RST_STREAM): the origin holds the whole request. */
  ended: boolean;
  /** RST_STREAM arrived before END_STREAM. */
  reset: boolean;
  /** The error code of that RST_STREAM. */
  resetCode?: number;
}

/** A running raw HTTP/2 origin. */
export interface RawH2Origin {
  port: number;
  streams: Map<number, RawH2Stream>;
  close(): Promise<void>;
}

const PING = 6;
// HPACK static table entry 8, `:status: 200`, as an indexed field.
const STATUS_200 = new Uint8Array([0x88]);

/** Start the origin for `host`, its certificate signed by `upstreams`' CA. */
export async function startRawH2Origin(
  upstreams: TestUpstreams,
  host: string,
): Promise<RawH2Origin> {
  const leaf = await upstreams.mintLeaf([host]);
  const streams = new Map<number, RawH2Stream>();
  const sockets = new Set<tls.TLSSocket>();
  const options = { cert: leaf.chainPem, key: leaf.keyPem, ALPNProtocols: ["h2"] };
  const server = tls.createServer(options, (socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.write(h2Frame(H2.SETTINGS, 0, 0));
    // The client's 24-byte preface comes first, then frames.
    let preface: Uint8Array | undefined = new Uint8Array(0);
    const splitter = new H2FrameSplitter();
    socket.on("data", (data: Uint8Array) => {
      let bytes = data;
      if (preface !== undefined) {
        const joined = new Uint8Array([...preface, ...data]);
        if (joined.length < 24) return void (preface = joined);
        [preface, bytes] = [undefined, joined.subarray(24)];
      }
      for (const frame of splitter.push(bytes)) onFrame(socket, streams, frame);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    streams,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function onFrame(
  socket: tls.TLSSocket,
  streams: Map<number, RawH2Stream>,
  frame: H2Frame,
): void {
  const { type, flags, stream: id, payload } = frame;
  if (type === H2.SETTINGS && (flags & 1) === 0) {
    return void socket.write(h2Frame(H2.SETTINGS, 1, 0));
  }
  if (type === PING && (flags & 1) === 0) return void socket.write(h2Frame(PING, 1, 0, payload));
  if (id === 0) return;
  let stream = streams.get(id);
  if (stream === undefined) {
    stream = { id, body: "", ended: false, reset: false };
    streams.set(id, stream);
  }
  if (stream.ended || stream.reset) return;
  if (type === H2.RST_STREAM) {
    stream.resetCode = new DataView(payload.buffer, payload.byteOffset).getUint32(0);
    return void (stream.reset = true);
  }
  if (type === H2.DATA) stream.body += new TextDecoder("latin1").decode(payload);
  if ((type === H2.DATA || type === H2.HEADERS) && (flags & H2.END_STREAM) !== 0) {
    stream.ended = true;
    socket.write(h2Frame(H2.HEADERS, H2.END_STREAM | H2.END_HEADERS, id, STATUS_200));
  }
}
