/**
 * Exact socket lookup through the kernel's sock_diag netlink interface (what `ss` uses): one
 * request names the connection's four-tuple and the kernel answers with its inode from a hash
 * lookup, in about 10 µs, where reading `/proc/net/tcp` walks the whole connection table
 * (milliseconds). Needs FFI (`-A`); callers fall back to `/proc/net/tcp` when it is missing.
 *
 * @module
 */

import { isIPv4, isIPv6 } from "node:net";
import type { LazyLibc, LibcSymbols } from "./_libc.ts";

const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const SOCK_RAW_CLOEXEC = 3 | 0x80000;
const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 1;
const IPPROTO_TCP = 6;
const REQUEST_SIZE = 72;
const ENOENT = 2;

/** A TCP connection seen from the client's side. */
export interface FourTuple {
  clientAddress: string;
  clientPort: number;
  serverAddress: string;
  serverPort: number;
}

/** Looks up socket inodes by four-tuple, through libc (whose owner closes it). */
export class SockDiag {
  #libc: LibcSymbols;

  private constructor(libc: LibcSymbols) {
    this.#libc = libc;
  }

  /** Lookups over `libc`; undefined when FFI is not permitted or not available. */
  static over(libc: LazyLibc): SockDiag | undefined {
    const symbols = libc.symbols();
    return symbols === undefined ? undefined : new SockDiag(symbols);
  }

  /**
   * The inode of the client's socket; undefined when the kernel knows no such connection.
   *
   * @throws {Error} When netlink itself fails (the caller falls back to procfs).
   */
  findInode(tuple: FourTuple): number | undefined {
    const request = buildRequest(tuple);
    if (request === undefined) return undefined;
    const { socket, send, recv, close } = this.#libc;
    const fd = socket(AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) throw new Error("Cannot open a sock_diag netlink socket");
    try {
      if (Number(send(fd, request, BigInt(REQUEST_SIZE), 0)) !== REQUEST_SIZE) {
        throw new Error("Cannot send a sock_diag request");
      }
      const reply = new Uint8Array(1024);
      const length = Number(recv(fd, reply, BigInt(reply.byteLength), 0));
      return parseReply(reply.subarray(0, Math.max(0, length)));
    } finally {
      close(fd);
    }
  }
}

function buildRequest(tuple: FourTuple): Uint8Array<ArrayBuffer> | undefined {
  const client = addressBytes(tuple.clientAddress);
  const server = addressBytes(tuple.serverAddress);
  if (client === undefined || server === undefined || client.family !== server.family) {
    return undefined;
  }
  const request = new Uint8Array(REQUEST_SIZE);
  const view = new DataView(request.buffer);
  // struct nlmsghdr
  view.setUint32(0, REQUEST_SIZE, true);
  view.setUint16(4, SOCK_DIAG_BY_FAMILY, true);
  view.setUint16(6, NLM_F_REQUEST, true);
  // struct inet_diag_req_v2: without NLM_F_DUMP the kernel looks up exactly this socket.
  request[16] = client.family;
  request[17] = IPPROTO_TCP;
  view.setUint32(20, 0xffffffff, true);
  // struct inet_diag_sockid: "source" is the socket's own end, here the client's.
  view.setUint16(24, tuple.clientPort, false);
  view.setUint16(26, tuple.serverPort, false);
  request.set(client.bytes, 28);
  request.set(server.bytes, 44);
  // INET_DIAG_NOCOOKIE: match by address, not by a cookie we do not have.
  view.setUint32(64, 0xffffffff, true);
  view.setUint32(68, 0xffffffff, true);
  return request;
}

function parseReply(reply: Uint8Array): number | undefined {
  if (reply.byteLength < 20) throw new Error("Short sock_diag reply");
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  if (view.getUint16(4, true) === NLMSG_ERROR) {
    const errno = -view.getInt32(16, true);
    if (errno === ENOENT) return undefined;
    throw new Error(`sock_diag lookup failed with errno ${errno}`);
  }
  if (view.getUint16(4, true) !== SOCK_DIAG_BY_FAMILY || reply.byteLength < 16 + 72) {
    throw new Error("Unexpected sock_diag reply");
  }
  // struct inet_diag_msg: idiag_inode at offset 68.
  const inode = view.getUint32(16 + 68, true);
  return inode > 0 ? inode : undefined;
}

function addressBytes(address: string): { family: number; bytes: number[] } | undefined {
  if (isIPv4(address)) return { family: AF_INET, bytes: address.split(".").map(Number) };
  if (!isIPv6(address)) return undefined;
  return { family: AF_INET6, bytes: ipv6Bytes(address) };
}

/**
 * The 16 bytes of an IPv6 address (with an optional embedded IPv4 tail).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipv6Bytes } from "./_sock_diag.ts";
 *
 * const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1];
 * assert.deepEqual(ipv6Bytes("::ffff:127.0.0.1"), mapped);
 * ```
 */
export function ipv6Bytes(address: string): number[] {
  let text = address.split("%")[0]!;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail.push(...v4[1]!.split(".").map(Number));
    text = text.slice(0, -v4[1]!.length) + "0:0";
  }
  const [head, rest] = text.includes("::") ? text.split("::") as [string, string] : [text, ""];
  const left = head === "" ? [] : head.split(":");
  const right = rest === "" ? [] : rest.split(":");
  const groups = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  const bytes = groups.flatMap((g) => {
    const value = parseInt(g, 16);
    return [value >> 8, value & 0xff];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}
