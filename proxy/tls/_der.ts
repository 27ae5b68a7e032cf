/**
 * The few DER (ASN.1) encodings and the one reading that the CA's certificates need (see
 * `_certificate.ts`): enough for X.509 v3 with ECDSA P-256, nothing general.
 *
 * @module
 */

/** ASN.1 tags used here (universal, and the context-specific ones X.509 uses). */
export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/**
 * One DER element: `tag`, its length, then the concatenated `parts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { der, TAG } from "./_der.ts";
 * assert.deepEqual(der(TAG.octetString, new Uint8Array([1, 2])), new Uint8Array([4, 2, 1, 2]));
 * assert.deepEqual(der(TAG.sequence, new Uint8Array(200)).subarray(0, 3), new Uint8Array([0x30, 0x81, 200]));
 * ```
 */
export function der(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const head = [tag, ...lengthBytes(length)];
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let at = head.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** A SEQUENCE of `parts`. */
export function sequence(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return der(TAG.sequence, ...parts);
}

/** A non-negative INTEGER from its big-endian magnitude (minimal, with a sign byte if needed). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  // DER integers are signed: a magnitude whose top bit is set needs a leading zero.
  const sign = trimmed[0]! & 0x80 ? new Uint8Array([0]) : new Uint8Array(0);
  return der(TAG.integer, sign, trimmed);
}

/** A small non-negative INTEGER. */
export function smallInteger(value: number): Uint8Array {
  return unsignedInteger(new Uint8Array([value]));
}

/**
 * An OBJECT IDENTIFIER from its dotted form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oid } from "./_der.ts";
 * // ecdsa-with-SHA256: arcs past the first two in base 128, high bit on all but the last byte.
 * assert.deepEqual(oid("1.2.840.10045.4.3.2"), new Uint8Array([6, 8, 42, 134, 72, 206, 61, 4, 3, 2]));
 * ```
 */
export function oid(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes: number[] = [];
  for (const arc of [first! * 40 + second!, ...rest]) {
    const groups = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) {
      groups.unshift(0x80 | (n & 0x7f));
    }
    bytes.push(...groups);
  }
  return der(TAG.oid, new Uint8Array(bytes));
}

/** A BIT STRING of whole bytes, or of `bits` bits when given (the rest of the last byte unused). */
export function bitString(bytes: Uint8Array, bits = bytes.length * 8): Uint8Array {
  return der(TAG.bitString, new Uint8Array([bytes.length * 8 - bits]), bytes);
}

/** A UTF8String. */
export function utf8(text: string): Uint8Array {
  return der(TAG.utf8String, new TextEncoder().encode(text));
}

/** A time as RFC 5280 wants it: UTCTime until 2049, GeneralizedTime from 2050 on. */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "");
  const utc = date.getUTCFullYear() < 2050;
  const text = `${utc ? digits.slice(2) : digits}Z`;
  return der(utc ? TAG.utcTime : TAG.generalizedTime, new TextEncoder().encode(text));
}

/** One element read from DER: its tag, the whole element, and its contents. */
export interface Element {
  tag: number;
  whole: Uint8Array;
  contents: Uint8Array;
}

/**
 * The elements that follow one another in `bytes` (the contents of a SEQUENCE, say).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { children, sequence, smallInteger, utf8 } from "./_der.ts";
 * const [outer] = children(sequence(smallInteger(2), utf8("a")));
 * assert.deepEqual(children(outer!.contents).map((e) => e.tag), [0x02, 0x0c]);
 * ```
 *
 * @throws {SyntaxError} when an element's length runs past the bytes.
 */
export function children(bytes: Uint8Array): Element[] {
  const out: Element[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at]!;
    let length = bytes[at + 1] ?? 0;
    let start = at + 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] ?? 0);
      start += count;
    }
    if (start + length > bytes.length) throw new SyntaxError("Truncated DER element");
    out.push({
      tag,
      whole: bytes.subarray(at, start + length),
      contents: bytes.subarray(start, start + length),
    });
    at = start + length;
  }
  return out;
}
