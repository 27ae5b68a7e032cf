/**
 * The blind tunnel's byte copy on Deno's own sockets: both sides `Deno.Conn`s, each direction
 * a read/write loop over one reused buffer ({@linkcode spliceConns}); or, when the client's
 * socket could not be taken over (`take_conn.ts`), the upstream's loop writing to the client's
 * node socket and the client's "data" written upstream ({@linkcode spliceConn}).
 *
 * Each chunk is written in full before the next read reuses its buffer, which is also the
 * backpressure: a peer that reads nothing stops the reads from the other, and the kernel's
 * window holds back the sender.
 *
 * @module
 */

import type { Duplex } from "node:stream";

const EMPTY = new Uint8Array(0);

/** The part of a `Deno.Conn` the relay writes to. */
type ConnSink = Pick<Deno.Conn, "write" | "closeWrite">;

/**
 * Copy `from` to `to` with `buffer` until `from` ends, then end `to` and wait until it has
 * flushed. Each chunk waits for `to` to take it before the next read reuses the buffer.
 */
async function copyConnTo(from: Deno.Conn, to: Duplex, buffer: Uint8Array): Promise<void> {
  for (;;) {
    const n = await from.read(buffer);
    if (n === null) break;
    to.write(buffer.subarray(0, n));
    // Taken by the kernel at once (the usual case): the buffer is free again.
    if (to.writableLength > 0) await flushed(to);
  }
  await new Promise<void>((resolve, reject) => {
    to.once("finish", resolve);
    to.once("close", () => reject(new Error("closed before the end was flushed")));
    to.end();
  });
}

/** Copy what `from` emits as "data" (each chunk its own) to `to`, pausing `from` meanwhile. */
function copySocketTo(from: Duplex, to: ConnSink, first: Uint8Array[] = []): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let writing = writeAll(to, first);
    from.on("data", (chunk: Uint8Array) => {
      from.pause();
      writing = writing.then(() => writeAll(to, [chunk])).then(() => void from.resume(), reject);
    });
    from.once("end", () => writing.then(() => to.closeWrite()).then(resolve, reject));
    from.resume();
  });
}

async function writeAll(to: ConnSink, chunks: Uint8Array[]): Promise<void> {
  for (const chunk of chunks) {
    let sent = 0;
    while (sent < chunk.byteLength) sent += await to.write(chunk.subarray(sent));
  }
}

function flushed(to: Duplex): Promise<void> {
  // An empty write completes after every byte queued before it has left (or with an error).
  return new Promise<void>((resolve) => to.write(EMPTY, () => resolve()));
}

/** Options of {@linkcode spliceConn} and {@linkcode spliceConns}. */
export interface ConnSpliceOptions {
  /** Receives the function that closes both sides at once. */
  onStart?: (close: () => void) => void;
  /** What the client sent before the splice (past the CONNECT head): goes upstream first. */
  first?: Uint8Array[];
}

/**
 * Copy bytes both ways between a client socket and an upstream `Deno.Conn` (read into
 * `buffer`) until both directions ended, each half-closing the other side; an error or the
 * client's close closes both. Resolves once both are closed and `buffer` is free again.
 */
export async function spliceConn(
  downstream: Duplex,
  upstream: Deno.Conn,
  buffer: Uint8Array,
  options: ConnSpliceOptions = {},
): Promise<void> {
  const { onStart = () => {}, first = [] } = options;
  let stopped!: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  let open = true;
  const closeBoth = () => {
    if (!open) return;
    open = false;
    downstream.destroy();
    try {
      upstream.close();
    } catch {
      // Closed already.
    }
    stopped();
  };
  const closed = onceClosed(downstream);
  downstream.on("error", closeBoth);
  downstream.on("close", closeBoth);
  const down = copyConnTo(upstream, downstream, buffer);
  const up = copySocketTo(downstream, upstream, first);
  Promise.all([down, up]).then(closeBoth, closeBoth);
  onStart(closeBoth);
  await stop;
  // The read under way into `buffer` ends (rejected) once the conn is closed.
  await Promise.allSettled([down, closed]);
}

function onceClosed(socket: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

/**
 * Copy both ways between two `Deno.Conn`s, one reused buffer per direction, each end
 * half-closing the other side, until both ended; an error, or the close of `face` (the
 * client's node socket, which no longer owns the connection), closes both.
 */
export async function spliceConns(
  face: Duplex,
  client: Deno.Conn,
  upstream: Deno.Conn,
  buffers: [Uint8Array, Uint8Array],
  options: ConnSpliceOptions = {},
): Promise<void> {
  let open = true;
  const closeBoth = () => {
    if (!open) return;
    open = false;
    for (const conn of [client, upstream]) {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    }
    face.destroy();
  };
  face.on("error", closeBoth);
  face.on("close", closeBoth);
  const up = writeAll(upstream, options.first ?? []).then(() =>
    copyLoop(client, upstream, buffers[0])
  );
  const down = copyLoop(upstream, client, buffers[1]);
  options.onStart?.(closeBoth);
  await Promise.all([up, down]).then(closeBoth, closeBoth);
  // The reads under way into the buffers end (rejected) once the conns are closed.
  await Promise.allSettled([up, down]);
}

async function copyLoop(from: Deno.Conn, to: Deno.Conn, buffer: Uint8Array): Promise<void> {
  for (;;) {
    const n = await from.read(buffer);
    if (n === null) break;
    let sent = 0;
    while (sent < n) sent += await to.write(buffer.subarray(sent, n));
  }
  await to.closeWrite();
}
