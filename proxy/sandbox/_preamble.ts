/**
 * The one line the in-namespace forwarder sends before each bridged connection: a per-sandbox
 * secret (so only the forwarder can make claims) and both ends of the TCP connection it
 * accepted (so the runner can look the client up in the sandbox's `/proc/PID/net/tcp`). The
 * server end is the proxy port `127.0.0.1:3128`, or, for a connection captured in transparent
 * mode, the synthetic address and port the client dialled.
 *
 * Fixed length on purpose: the runner reads exactly this many bytes, so no byte of the
 * client's own stream is ever consumed with it.
 *
 * @module
 */

const MAGIC = "TG2";
const SECRET_HEX_LENGTH = 64;
const ENDPOINT = /^([0-9a-f]{8}):(\d{5})$/;

/** One accepted TCP connection inside the sandbox, as IPv4 addresses and ports. */
export interface BridgePeer {
  /** The client's source address (dotted IPv4). */
  clientAddress: string;
  /** The client's source port. */
  clientPort: number;
  /** The address the client connected to (dotted IPv4). */
  serverAddress: string;
  /** The port the client connected to. */
  serverPort: number;
}

/** Bytes of a preamble: `TG2 <64 hex> <8 hex>:<5 digits> <8 hex>:<5 digits>\n`. */
export const PREAMBLE_LENGTH = MAGIC.length + 1 + SECRET_HEX_LENGTH + 2 * (1 + 8 + 1 + 5) + 1;

/** A fresh 256-bit secret as 64 lower-case hex digits. */
export function newBridgeSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_HEX_LENGTH / 2));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** True when `text` has the shape of a bridge secret. */
export function isBridgeSecret(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}

/** The preamble for one accepted client. */
export function encodePreamble(secret: string, peer: BridgePeer): Uint8Array {
  if (!isBridgeSecret(secret)) throw new TypeError("Bridge secret must be 64 hex digits");
  const client = endpoint(peer.clientAddress, peer.clientPort);
  const server = endpoint(peer.serverAddress, peer.serverPort);
  return new TextEncoder().encode(`${MAGIC} ${secret} ${client} ${server}\n`);
}

/**
 * The connection a preamble describes, or undefined when the bytes are not a preamble
 * carrying `secret`. The secret is compared in constant time.
 */
export function decodePreamble(bytes: Uint8Array, secret: string): BridgePeer | undefined {
  if (bytes.length !== PREAMBLE_LENGTH) return undefined;
  const text = new TextDecoder().decode(bytes);
  const match = /^TG2 ([0-9a-f]{64}) (\S{14}) (\S{14})\n$/.exec(text);
  if (match === null || !equalInConstantTime(match[1]!, secret)) return undefined;
  const client = parseEndpoint(match[2]!);
  const server = parseEndpoint(match[3]!);
  if (client === undefined || server === undefined) return undefined;
  return {
    clientAddress: client.address,
    clientPort: client.port,
    serverAddress: server.address,
    serverPort: server.port,
  };
}

function endpoint(address: string, port: number): string {
  const octets = address.split(".").map(Number);
  const valid = octets.length === 4 &&
    octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255);
  if (!valid) throw new RangeError(`Address "${address}" is not an IPv4 address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Port "${port}" is out of range`);
  }
  const hex = octets.map((o) => o.toString(16).padStart(2, "0")).join("");
  return `${hex}:${String(port).padStart(5, "0")}`;
}

function parseEndpoint(text: string): { address: string; port: number } | undefined {
  const match = ENDPOINT.exec(text);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  const hex = match[1]!;
  const octets = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return { address: octets.join("."), port };
}

function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
