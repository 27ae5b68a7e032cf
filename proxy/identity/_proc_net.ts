/**
 * Find the socket inode of a TCP connection in `/proc/net/tcp` and `/proc/net/tcp6`.
 *
 * @module
 */

import { isIPv4, isIPv6 } from "node:net";
import { ipv6Bytes } from "./_sock_diag.ts";

/** The client end of a connection as the proxy sees it. */
export interface PeerAddress {
  /** The proxy's port the client connected to. */
  localPort: number;
  /** The client's source port. */
  remotePort: number;
  /** The client's address (IPv4, IPv6 or IPv4-mapped IPv6). */
  remoteAddress: string;
  /** The proxy's address the client connected to (loopback of the client's family if absent). */
  localAddress?: string;
}

/**
 * The inode of the client's socket: the row whose local address is the client's address and
 * port, and whose remote port is the proxy's port. Undefined when no row matches.
 */
export function findSocketInode(tables: string[], peer: PeerAddress): number | undefined {
  const local = `:${hexPort(peer.remotePort)}`;
  const remote = `:${hexPort(peer.localPort)}`;
  const addresses = kernelAddresses(peer.remoteAddress);
  for (const table of tables) {
    for (const line of table.split("\n")) {
      // Cheap filter before splitting: most rows are other connections.
      if (!line.includes(local)) continue;
      const columns = line.trim().split(/\s+/);
      const [localColumn, remoteColumn, inode] = [columns[1], columns[2], columns[9]];
      if (localColumn === undefined || remoteColumn === undefined || inode === undefined) continue;
      if (!localColumn.endsWith(local) || !remoteColumn.endsWith(remote)) continue;
      if (!addresses.includes(localColumn.slice(0, -local.length))) continue;
      const value = Number(inode);
      if (value > 0) return value;
    }
  }
  return undefined;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, "0");
}

/** How the kernel prints an address: 32-bit words in host (little-endian) byte order. */
function kernelAddresses(address: string): string[] {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return [v4Hex(mapped[1]!), v6Hex(`::ffff:${mapped[1]}`)];
  if (isIPv4(address)) return [v4Hex(address), v6Hex(`::ffff:${address}`)];
  if (isIPv6(address)) return [v6Hex(address)];
  return [];
}

function v4Hex(address: string): string {
  return wordHex(address.split(".").map(Number));
}

function v6Hex(address: string): string {
  const bytes = ipv6Bytes(address);
  let out = "";
  for (let i = 0; i < 16; i += 4) out += wordHex(bytes.slice(i, i + 4));
  return out;
}

function wordHex(bytes: number[]): string {
  return bytes.toReversed().map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join("");
}
