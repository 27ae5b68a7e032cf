/**
 * An accepted `node:net` client socket's connection taken over as a `Deno.Conn`, once the
 * proxy has read the CONNECT head on it, so that a blind tunnel copies both sides with
 * `Deno.Conn` read/write loops (see `conn_relay.ts`).
 *
 * Why: Deno's node sockets sit on a native handle whose `takeStream()` hands over the socket
 * as a resource id, which Deno's own `TcpConn` class wraps; no descriptor is duplicated.
 *
 * @module
 */

import * as net from "node:net";
import type { Duplex } from "node:stream";

// What the handle of an accepted TCP socket offers in Deno (its native TCPWrap).
interface TakeHandle {
  takeStream(): number;
}

type TcpConnClass = new (
  rid: number,
  remoteAddr: Deno.NetAddr,
  localAddr: Deno.NetAddr,
) => Deno.TcpConn;

/**
 * Whether `socket`'s connection can be taken over as a `Deno.Conn` in this runtime (a
 * `node:net` TCP socket over Deno's native handle), as long as it stays intact.
 */
export function takeable(socket: Duplex): boolean {
  // deno-lint-ignore no-explicit-any -- `_handle` is node's, undeclared in its types
  const handle = socket instanceof net.Socket ? (socket as any)._handle : undefined;
  // TCP only: a unix socket's stream is no TcpConn.
  return handle?.constructor?.name === "TCPWrap" && typeof handle.takeStream === "function";
}

/**
 * The connection of `socket` as a `Deno.TcpConn` of the same class as `like`, or undefined
 * when it cannot be taken intact (then `socket` stays as it was): not a TCP socket, closed,
 * or holding bytes read or to write. `socket` stays the connection's face for whoever counts
 * or closes it: destroying it no longer closes the connection, so the caller closes both.
 */
export function takeConn(socket: Duplex, like: Deno.TcpConn): Deno.TcpConn | undefined {
  if (!takeable(socket) || !intact(socket as net.Socket)) return undefined;
  // deno-lint-ignore no-explicit-any -- `_handle` is node's, undeclared in its types
  const handle: TakeHandle = (socket as any)._handle;
  const { remoteAddress, remotePort, localAddress, localPort } = socket as net.Socket;
  const remote = address(remoteAddress, remotePort);
  const local = address(localAddress, localPort);
  socket.pause(); // stops the handle's reads: none is under way between two event-loop turns
  let rid: number;
  try {
    rid = handle.takeStream();
  } catch {
    return undefined;
  }
  const TcpConn = Object.getPrototypeOf(like).constructor as TcpConnClass;
  return new TcpConn(rid, remote, local);
}

function address(hostname = "", port = 0): Deno.NetAddr {
  return { transport: "tcp", hostname, port };
}

/** Nothing read and left unconsumed, nothing waiting to be written, both ways still open. */
function intact(socket: net.Socket): boolean {
  // `ended`: the peer's FIN was read, though "end" may not be emitted yet (paused).
  // deno-lint-ignore no-explicit-any -- `_readableState` is node's, undeclared in its types
  const ended = (socket as any)._readableState?.ended === true;
  return !socket.destroyed && !socket.connecting && socket.readable && !ended &&
    socket.readableLength === 0 && socket.writable && socket.writableLength === 0;
}
