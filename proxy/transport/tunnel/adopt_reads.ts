/**
 * An accepted client socket re-wrapped so that it reads into one reused buffer: node's `onread`
 * socket option, which only a socket's constructor takes, given to a new `net.Socket` over the
 * accepted socket's handle once the proxy has read the request head on the old one.
 *
 * Why: an accepted socket reads each chunk into a fresh 64 KB buffer outside V8's heap. On an
 * upload through the blind tunnel those buffers, and the readable stream's dispatch of each,
 * cost the proxy more CPU per byte than the download, whose upstream socket reads through
 * `onread` from its connect on.
 *
 * @module
 */

import * as net from "node:net";
import type { Duplex } from "node:stream";

// What the handle of an accepted TCP socket offers (node's TCPWrap, in Deno too).
interface ReadHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/**
 * The same connection as `socket`, read through `onread` by a new paused socket that owns the
 * handle from now on, or undefined when `socket` cannot be handed over intact (then it stays
 * as it was): not a TCP or pipe socket, closed, or still holding bytes read or to write.
 *
 * The old socket stays the connection's face for whoever counts or closes it: its `close`
 * comes when the new socket's does, and destroying it destroys the new socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as net from "node:net";
 * import { adoptReads } from "./adopt_reads.ts";
 *
 * const server = net.createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
 * const { port } = server.address() as net.AddressInfo;
 * const client = await Deno.connect({ hostname: "127.0.0.1", port });
 * const old = await accepted;
 * let text = "";
 * const callback = (n: number, buffer: Uint8Array) => {
 *   text += new TextDecoder().decode(buffer.subarray(0, n));
 *   return true; // keep reading
 * };
 * const socket = adoptReads(old, { buffer: new Uint8Array(1024), callback })!;
 * const ended = new Promise((resolve) => socket.once("end", resolve));
 * const closed = new Promise((resolve) => old.once("close", resolve));
 * socket.resume();
 * await client.write(new TextEncoder().encode("hello"));
 * await client.closeWrite();
 * await ended;
 * assert.equal(text, "hello");
 * socket.destroy(); // the old socket closes with it
 * await closed;
 * client.close();
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export function adoptReads(socket: Duplex, onread: net.OnReadOpts): net.Socket | undefined {
  if (!(socket instanceof net.Socket) || !intact(socket)) return undefined;
  // deno-lint-ignore no-explicit-any -- `_handle` is node's, undeclared in its types
  const old = socket as any;
  const handle: ReadHandle | null = old._handle;
  if (typeof handle?.useUserBuffer !== "function") return undefined;
  socket.pause(); // stops the handle's reads: none is under way between two event-loop turns
  // The old socket lets go of the handle (and its count as an open handle) without closing
  // it: destroyed later, it only emits "close".
  old._handle = null;
  const adopted = new net.Socket({
    handle,
    onread,
    allowHalfOpen: true,
    pauseOnCreate: true,
    readable: true,
    writable: true,
  } as net.SocketConstructorOpts);
  adopted.once("close", () => socket.destroy());
  socket.once("close", () => adopted.destroy());
  return adopted;
}

/** Nothing read and left unconsumed, nothing waiting to be written, both ways still open. */
function intact(socket: net.Socket): boolean {
  // `ended`: the peer's FIN was read, though "end" may not be emitted yet (paused).
  // deno-lint-ignore no-explicit-any -- `_readableState` is node's, undeclared in its types
  const ended = (socket as any)._readableState?.ended === true;
  return !socket.destroyed && !socket.connecting && socket.readable && !ended &&
    socket.readableLength === 0 && socket.writable && socket.writableLength === 0;
}
