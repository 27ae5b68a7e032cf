/**
 * Backpressure from an HTTP/2 client's socket. Deno 2.9's `node:http2` hands a stream's DATA to
 * the session's socket as soon as the client's flow-control window allows, whatever the
 * socket still holds, and the stream's `write()` keeps returning true: a client that opens a
 * 2 GiB window and then reads nothing had a 64 MiB answer per stream queued whole in the
 * proxy (20 streams took a proxy from 70 MB to 1.1 GB of RSS in 8 s). So whatever writes to
 * a client stream waits, too, while its session's socket holds more than
 * {@linkcode MAX_SESSION_BACKLOG} bytes.
 *
 * @module
 */

import type { Http2Session, Http2Stream } from "node:http2";
import type { Readable } from "node:stream";
import { drainedOrClosed, releaseMemory, youngCollector } from "../../wire/mod.ts";

/**
 * The most bytes a client session's socket holds unsent before writers to its streams wait:
 * with the connection cap, what answers can hold in the proxy (1 MiB × 512 connections).
 */
export const MAX_SESSION_BACKLOG = 1024 * 1024;

// Deno 2.9: a socket's `drain` may not follow every write that filled it; a waiter checks
// again at this interval so that it never waits on an event that does not come.
const RECHECK_MS = 50;

/** What is watched of a socket. */
export interface Backlogged {
  /** Bytes written and not yet sent. */
  writableLength: number;
  destroyed: boolean;
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/**
 * Undefined when the session of `stream` may take more bytes now, else a promise resolved
 * once its socket has sent enough (or closed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { sessionBacklog } from "./_h2_backlog.ts";
 *
 * await h2Exchange((stream) => {
 *   assert.equal(sessionBacklog(stream), undefined); // nothing queued yet
 *   stream.respond({ ":status": 204 }, { endStream: true });
 * });
 * ```
 */
export function sessionBacklog(stream: Http2Stream): Promise<void> | undefined {
  const socket = socketOf(stream);
  if (socket === undefined || !full(socket)) return undefined;
  // One waiter per socket, however many of its streams wait (listeners do not pile up).
  let waiting = waiters.get(socket);
  if (waiting === undefined) {
    waiting = drained(socket).finally(() => waiters.delete(socket));
    waiters.set(socket, waiting);
  }
  return waiting;
}

function socketOf(stream: Http2Stream): Backlogged | undefined {
  const { session } = stream;
  return session === undefined ? undefined : sockets.get(session);
}

// Deno 2.9: `session.socket` is a stand-in that throws once the session closed; the socket
// itself is what is watched.
const sockets = new WeakMap<Http2Session, Backlogged>();

/**
 * Watch `socket` as the transport of `session` for {@linkcode sessionBacklog} (sessions not
 * watched never wait).
 *
 * @example
 * ```ts
 * import { PassThrough } from "node:stream";
 * import type { Http2Session } from "node:http2";
 * import { watchBacklog } from "./_h2_backlog.ts";
 *
 * watchBacklog({} as Http2Session, new PassThrough());
 * ```
 */
export function watchBacklog(session: Http2Session, socket: Backlogged): void {
  sockets.set(session, socket);
}

const waiters = new WeakMap<Backlogged, Promise<void>>();

function drained(socket: Backlogged): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (full(socket)) return;
      clearInterval(timer);
      socket.off("drain", check);
      socket.off("close", check);
      resolve();
    };
    const timer = setInterval(check, RECHECK_MS);
    socket.on("drain", check);
    socket.on("close", check);
  });
}

function full(socket: Backlogged): boolean {
  return !socket.destroyed && socket.writableLength > MAX_SESSION_BACKLOG;
}

/**
 * Write `chunk` to a client stream: undefined when more may follow at once, else a promise
 * resolved once the stream has drained and its session's socket has room. With `free`, the
 * memory under `chunk` is freed once the stream took it (nothing else may hold it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { writeToClient } from "./_h2_backlog.ts";
 *
 * const piece = new TextEncoder().encode("hi");
 * const answer = await h2Exchange(async (stream) => {
 *   stream.respond({ ":status": 200 });
 *   await writeToClient(stream, piece, true);
 *   stream.end();
 * });
 * assert.equal(answer.body, "hi");
 * assert.equal(piece.byteLength, 0); // freed once the stream took it
 * ```
 */
export function writeToClient(
  stream: Http2Stream,
  chunk: Uint8Array,
  free = false,
): Promise<void> | undefined {
  if (free ? stream.write(chunk, () => releaseMemory(chunk)) : stream.write(chunk)) {
    return sessionBacklog(stream);
  }
  // A write larger than the stream's own buffer always says "wait": the socket is checked after.
  // Waiting at the stream's own mark is kept on purpose: writing on until 256 KiB were buffered
  // cut a 3 × 256 MB upload's pauses from ~10,000 to ~2,000 but sent the client ~65 % more
  // WINDOW_UPDATEs (they follow what the relay reads) and saved no CPU.
  return drainedOrClosed(stream).then(() => sessionBacklog(stream));
}

/** Options of {@linkcode relayToClient}. */
export interface RelayOptions {
  /** Whether the end of `source` is the end of its body (else `stream` is left to its owner). */
  whole?: (source: Readable) => boolean;
  /**
   * Free each piece once `stream` took it: only when nothing else keeps the pieces of `source`
   * (an answer from an origin; not a request body while its copy is kept, `_h2_body_copy.ts`).
   * A function is asked for each piece as it is written.
   */
  free?: boolean | (() => boolean);
}

/**
 * Copy `source` onto the client stream `stream` and end it with `source` (what `pipe()` does),
 * pausing `source` while the stream or its session's socket is full. With `whole`, `stream` is
 * ended only when `whole()` says the end of `source` is the end of its body (else it is left
 * for its owner to reset).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Readable } from "node:stream";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { relayToClient } from "./_h2_backlog.ts";
 *
 * const answer = await h2Exchange((stream) => {
 *   stream.respond({ ":status": 200 });
 *   relayToClient(Readable.from([new TextEncoder().encode("hi")]), stream);
 * });
 * assert.equal(answer.body, "hi");
 * ```
 */
export function relayToClient(
  source: Readable,
  stream: Http2Stream,
  { whole = () => true, free = false }: RelayOptions = {},
): void {
  // As ByteStream.forward() does: each piece read is a fresh buffer only a collection frees.
  const collect = youngCollector();
  const onData = (chunk: Uint8Array) => {
    collect(chunk.byteLength);
    if (stream.destroyed) return;
    const wait = writeToClient(stream, chunk, typeof free === "boolean" ? free : free());
    if (wait === undefined) return;
    source.pause();
    wait.then(() => source.resume());
  };
  source.on("data", onData);
  source.once("end", () => {
    source.off("data", onData);
    if (!stream.destroyed && whole(source)) stream.end();
  });
}
