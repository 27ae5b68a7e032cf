/**
 * One WebSocket frame header (RFC 6455 §5.2), read from bytes already at hand.
 *
 * @module
 */

/** The opcodes RFC 6455 defines. */
export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

const KNOWN = new Set<number>(Object.values(OPCODE));

/** A parsed frame header. */
export interface FrameHeader {
  fin: boolean;
  /** The three RSV bits, in place (0x70 mask). */
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Payload length. */
  length: number;
  /** The masking key (four zero bytes when unmasked). */
  mask: Uint8Array;
  /** Why the header is malformed (a reserved opcode, a length not in its shortest form). */
  problem?: string;
}

/** The header's length once its first two bytes are at hand; undefined before. */
export function headerLength(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength < 2) return undefined;
  const code = bytes[1]! & 0x7f;
  const extended = code === 126 ? 2 : code === 127 ? 8 : 0;
  return 2 + extended + (bytes[1]! & 0x80 ? 4 : 0);
}

/** Parse a whole header (`headerLength()` bytes). */
export function frameHeader(raw: Uint8Array): FrameHeader {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const code = raw[1]! & 0x7f;
  let length = code;
  let at = 2;
  let problem: string | undefined;
  if (code === 126) {
    length = view.getUint16(2);
    at = 4;
    if (length < 126) problem = "16-bit length not in its shortest form";
  } else if (code === 127) {
    const big = view.getBigUint64(2);
    at = 10;
    if (big >> 63n) problem = "64-bit length with its top bit set";
    else if (big <= 0xffffn) problem = "64-bit length not in its shortest form";
    length = Number(big);
  }
  const masked = (raw[1]! & 0x80) !== 0;
  const opcode = raw[0]! & 0x0f;
  if (!KNOWN.has(opcode)) problem = `reserved opcode 0x${opcode.toString(16)}`;
  const header: FrameHeader = {
    fin: (raw[0]! & 0x80) !== 0,
    rsv: raw[0]! & 0x70,
    opcode,
    masked,
    length,
    mask: masked ? raw.slice(at, at + 4) : new Uint8Array(4),
  };
  if (problem !== undefined) header.problem = problem;
  return header;
}
