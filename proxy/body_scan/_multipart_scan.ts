/**
 * The `multipart/*` reading of a body for one boundary: every `--boundary` is a delimiter
 * (wherever it falls: PHP splits on LF, Rack on CRLF), each part head is read line by line for
 * a name that reads as `_method`, and only such a part's value is kept (bounded). Everything
 * else streams past unkept; the delimiter search carries at most one delimiter's length across
 * pieces.
 *
 * @module
 */

import { METHOD_TOKEN } from "../wire/mod.ts";
import type { BodyScanner } from "./_form_fields.ts";
import { FieldNames, isMethodKey, MAX_METHOD_VALUE, NONE } from "./_form_fields.ts";
import { namesMethod } from "./_multipart_head.ts";
import { Delimiter } from "./_delimiter.ts";

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
/** Longest part header line read; a longer one is refused (ordinary clients send < 1 KiB). */
export const MAX_HEAD_LINE = 8192;
/** Longest boundary read (RFC 2046 allows 70). */
export const MAX_BOUNDARY = 200;

type State = "preamble" | "after" | "line" | "head" | "value" | "method" | "epilogue";

/**
 * Finds `_method` parts of a multipart body with the given boundary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultipartScanner } from "./_multipart_scan.ts";
 * const scanner = new MultipartScanner("b");
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * assert.deepEqual(scanner.push(bytes('--b\r\nContent-Disposition: form-data; name="_me')), []);
 * assert.deepEqual(scanner.push(bytes('thod"\r\n\r\nDELETE\r\n-')), []);
 * assert.deepEqual(scanner.push(bytes("-b--\r\n")), ["DELETE"]);
 * ```
 */
export class MultipartScanner implements BodyScanner {
  #delimiter: Delimiter;
  #carry = new Uint8Array(0);
  /** Absolute offset of the next byte pushed. */
  #offset = 0;
  #state: State = "preamble";
  #afterBytes: number[] = [];
  #line: number[] = [];
  #isMethod = false;
  #valueStart = 0;
  #value: number[] = [];
  #problem: string | undefined;
  /** Query keys a part must not be named as (see `FieldNames`). */
  #names: FieldNames | undefined;

  /** @param names Query keys the body's parts must not be named as. */
  constructor(boundary: string, names?: FieldNames) {
    this.#names = names;
    this.#delimiter = new Delimiter(`--${boundary}`);
    if (boundary.length > MAX_BOUNDARY) {
      this.#problem = `The multipart boundary is longer than ${MAX_BOUNDARY} bytes`;
    }
  }

  push(bytes: Uint8Array): readonly string[] | string {
    if (this.#problem !== undefined) return this.#problem;
    const length = this.#delimiter.bytes.byteLength;
    let found: string[] | undefined;
    let cursor = 0;
    const base = this.#offset;
    const onDelimiter = (start: number, end: number): string | undefined => {
      this.#feed(bytes, cursor, Math.max(cursor, start - base));
      const ended = this.#endPart(start);
      if (this.#problem !== undefined) return this.#problem;
      if (ended !== undefined) (found ??= []).push(ended);
      cursor = end - base;
      this.#state = "after";
      return undefined;
    };
    // A delimiter that began in the previous piece.
    let from = 0;
    if (this.#carry.byteLength > 0) {
      const carry = this.#carry;
      const joined = new Uint8Array(carry.byteLength + Math.min(bytes.byteLength, length - 1));
      joined.set(carry);
      joined.set(bytes.subarray(0, joined.byteLength - carry.byteLength), carry.byteLength);
      const at = this.#delimiter.indexIn(joined, 0);
      if (at >= 0 && at < carry.byteLength) {
        const start = base - carry.byteLength + at;
        if (onDelimiter(start, start + length) !== undefined) return this.#problem!;
        from = cursor;
      }
    }
    for (let at = this.#delimiter.indexIn(bytes, from); at >= 0;) {
      if (onDelimiter(base + at, base + at + length) !== undefined) return this.#problem!;
      at = this.#delimiter.indexIn(bytes, cursor);
    }
    this.#feed(bytes, cursor, bytes.byteLength);
    if (this.#problem !== undefined) return this.#problem;
    this.#offset += bytes.byteLength;
    this.#keepCarry(bytes, length - 1);
    return found ?? NONE;
  }

  end(): readonly string[] | string {
    if (this.#problem !== undefined) return this.#problem;
    if (this.#state !== "method") return NONE;
    // A `_method` part never closed: what it holds is its value all the same.
    const ended = this.#endPart(this.#offset);
    if (this.#problem !== undefined) return this.#problem;
    this.#state = "epilogue";
    return ended === undefined ? NONE : [ended];
  }

  #keepCarry(bytes: Uint8Array, keep: number): void {
    if (bytes.byteLength >= keep) {
      // A copy: a node Buffer's `slice()` is a view, and a piece's memory is released once it
      // is forwarded.
      this.#carry = new Uint8Array(bytes.subarray(bytes.byteLength - keep));
      return;
    }
    const joined = new Uint8Array(Math.min(keep, this.#carry.byteLength + bytes.byteLength));
    const old = this.#carry.subarray(
      this.#carry.byteLength - (joined.byteLength - bytes.byteLength),
    );
    joined.set(old);
    joined.set(bytes, old.byteLength);
    this.#carry = joined;
  }

  /**
   * A delimiter starts at absolute `start`: the part before it ends. The method its value
   * names, or undefined (not a `_method` part, or a problem, then kept in `#problem`).
   */
  #endPart(start: number): string | undefined {
    const state = this.#state;
    this.#line = [];
    this.#afterBytes = [];
    if (state === "head") {
      this.#problem = "A multipart part head holds the boundary";
      return undefined;
    }
    if (state !== "method") return undefined;
    this.#isMethod = false;
    const length = start - this.#valueStart;
    const value = this.#value;
    this.#value = [];
    if (length > MAX_METHOD_VALUE + 2) {
      this.#problem = "The _method form field must name one method";
      return undefined;
    }
    // The line end before the delimiter is the delimiter's (CRLF for Rack, LF for PHP).
    const text = String.fromCharCode(...value.slice(0, length)).replace(/\r?\n$/, "");
    if (!METHOD_TOKEN.test(text)) {
      this.#problem = "The _method form field must name one method";
      return undefined;
    }
    return text;
  }

  /** The bytes `from`..`to` of `bytes`, none of them part of a delimiter found. */
  #feed(bytes: Uint8Array, from: number, to: number): void {
    let at = from;
    while (at < to && this.#problem === undefined) {
      switch (this.#state) {
        case "preamble":
        case "value":
        case "epilogue":
          return;
        case "after": {
          // `--boundary--` closes the body; anything else is followed by its line's end.
          const byte = bytes[at++]!;
          if (byte === LF) {
            this.#startHead();
            break;
          }
          this.#afterBytes.push(byte);
          if (this.#afterBytes.length === 2) {
            const closes = this.#afterBytes[0] === DASH && this.#afterBytes[1] === DASH;
            this.#state = closes ? "epilogue" : "line";
          }
          break;
        }
        case "line": {
          const lf = bytes.subarray(0, to).indexOf(LF, at);
          if (lf < 0) return;
          at = lf + 1;
          this.#startHead();
          break;
        }
        case "head":
          this.#headByte(bytes[at]!, this.#offset + at);
          at++;
          break;
        case "method":
          for (; at < to && this.#value.length <= MAX_METHOD_VALUE + 2; at++) {
            this.#value.push(bytes[at]!);
          }
          return;
      }
    }
  }

  #startHead(): void {
    this.#state = "head";
    this.#line = [];
    this.#isMethod = false;
  }

  #headByte(byte: number, position: number): void {
    if (byte !== LF) {
      if (this.#line.length >= MAX_HEAD_LINE) {
        this.#problem = `A multipart part header line is longer than ${MAX_HEAD_LINE} bytes`;
      } else this.#line.push(byte);
      return;
    }
    // Rack ends a head at CRLFCRLF, PHP at an empty LF-ended line: only CRLF reads the same.
    if (this.#line.at(-1) !== CR) {
      this.#problem = "A multipart part head has a line ending in a bare LF";
      return;
    }
    this.#line.pop();
    if (this.#line.length === 0) {
      this.#state = this.#isMethod ? "method" : "value";
      this.#valueStart = position + 1;
      this.#value = [];
      return;
    }
    const line = String.fromCharCode(...this.#line);
    if (namesMethod(line, isMethodKey)) this.#isMethod = true;
    else if (this.#names && namesMethod(line, (name) => this.#names!.judges(name))) {
      this.#problem = FieldNames.PROBLEM;
    }
    this.#line = [];
  }
}
