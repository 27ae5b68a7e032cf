/**
 * The one line the in-namespace forwarder sends before each bridged connection: a per-sandbox
 * secret (so only the forwarder can make claims) and the TCP source port of the client it
 * accepted (so the runner can look the client up in the sandbox's `/proc/PID/net/tcp`).
 *
 * Fixed length on purpose: the runner reads exactly this many bytes, so no byte of the
 * client's own stream is ever consumed with it.
 *
 * @module
 */

const MAGIC = "TG1";
const SECRET_HEX_LENGTH = 64;
const PORT_DIGITS = 5;

/** Bytes of a preamble: `TG1 <64 hex> <5 digits>\n`. */
export const PREAMBLE_LENGTH = MAGIC.length + 1 + SECRET_HEX_LENGTH + 1 + PORT_DIGITS + 1;

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
export function encodePreamble(secret: string, clientPort: number): Uint8Array {
  if (!isBridgeSecret(secret)) throw new TypeError("Bridge secret must be 64 hex digits");
  if (!Number.isInteger(clientPort) || clientPort < 1 || clientPort > 65535) {
    throw new RangeError(`Client port "${clientPort}" is out of range`);
  }
  const port = String(clientPort).padStart(PORT_DIGITS, "0");
  return new TextEncoder().encode(`${MAGIC} ${secret} ${port}\n`);
}

/**
 * The client port of a preamble, or undefined when the bytes are not a preamble carrying
 * `secret`. The secret is compared in constant time.
 */
export function decodePreamble(bytes: Uint8Array, secret: string): number | undefined {
  if (bytes.length !== PREAMBLE_LENGTH) return undefined;
  const text = new TextDecoder().decode(bytes);
  const match = /^TG1 ([0-9a-f]{64}) (\d{5})\n$/.exec(text);
  if (match === null || !equalInConstantTime(match[1]!, secret)) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
