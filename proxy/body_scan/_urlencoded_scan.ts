/**
 * The `application/x-www-form-urlencoded` reading of a body: `_method` fields found across any
 * chunk boundaries, in bounded state (the key is matched as it decodes, a value is kept only
 * for a `_method` key and only up to {@linkcode MAX_METHOD_VALUE} bytes).
 *
 * @module
 */

import { METHOD_TOKEN } from "../wire/mod.ts";
import type { BodyScanner } from "./_form_fields.ts";
import {
  couldBeMethodKey,
  FieldNames,
  isMethodKey,
  MAX_METHOD_VALUE,
  NONE,
} from "./_form_fields.ts";

const AMP = 0x26;
const SEMI = 0x3b;
const EQ = 0x3d;
const PLUS = 0x2b;
const PCT = 0x25;

/**
 * Finds `_method` fields in a urlencoded body. `&` and `;` both end a field (Rack's query
 * parser once split on `;` too), `+` is a space and `%XX` a byte in names and values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UrlencodedScanner } from "./_urlencoded_scan.ts";
 * const scanner = new UrlencodedScanner();
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * assert.deepEqual(scanner.push(bytes("x=1&+%5")), []);
 * assert.deepEqual(scanner.push(bytes("Fmethod=patch&y=2")), ["patch"]);
 * assert.equal(typeof new UrlencodedScanner().end(), "object");
 * ```
 */
export class UrlencodedScanner implements BodyScanner {
  /** Query keys a field must not be read as (see `FieldNames`). */
  #names: FieldNames | undefined;
  /** The name was longer than the names' limit: only its start was kept. */
  #truncated = false;
  #inValue = false;
  #skipping = false;
  /** The name as decoded so far, leading spaces and brackets dropped; null once too long. */
  #key: string | null = "";
  #value: number[] = [];
  #tooLong = false;
  /** A `%` escape split across pieces: its digits so far (without the `%`), or undefined. */
  #escape: string | undefined;
  #problem: string | undefined;

  /** @param names Query keys the body's fields must not be read as. */
  constructor(names?: FieldNames) {
    this.#names = names;
  }

  push(bytes: Uint8Array): readonly string[] | string {
    if (this.#problem !== undefined) return this.#problem;
    let found: string[] | undefined;
    let at = 0;
    while (at < bytes.byteLength) {
      if (this.#skipping) {
        const next = nextSeparator(bytes, at);
        if (next < 0) return found ?? NONE;
        this.#reset();
        at = next + 1;
        continue;
      }
      const byte = bytes[at++]!;
      if (byte === AMP || byte === SEMI) {
        const ended = this.#endField();
        if (this.#problem !== undefined) return this.#problem;
        if (ended !== undefined) (found ??= []).push(ended);
        continue;
      }
      if (byte === EQ && !this.#inValue) {
        this.#flushEscape();
        if (this.#key !== null && isMethodKey(this.#key)) this.#inValue = true;
        else if (this.#judged()) return this.#problem!;
        else this.#skipping = true;
        continue;
      }
      this.#take(byte);
    }
    return found ?? NONE;
  }

  end(): readonly string[] | string {
    const ended = this.#endField();
    if (this.#problem !== undefined) return this.#problem;
    return ended === undefined ? NONE : [ended];
  }

  /** A field ended: the method its value names, or undefined (not `_method`, or a problem). */
  #endField(): string | undefined {
    this.#flushEscape();
    const wasValue = this.#inValue;
    const value = String.fromCharCode(...this.#value);
    const tooLong = this.#tooLong;
    // A name without `=` is a parameter too (PHP reads it as empty).
    if (!wasValue && !this.#skipping) this.#judged();
    this.#reset();
    if (!wasValue) return undefined;
    if (tooLong || !METHOD_TOKEN.test(value)) {
      this.#problem = "The _method form field must name one method";
      return undefined;
    }
    return value;
  }

  /** Whether the name read is a judged query key (the body's problem is then set). */
  #judged(): boolean {
    const key = this.#key;
    if (key === null || this.#names?.judges(key, this.#truncated) !== true) return false;
    this.#problem = FieldNames.PROBLEM;
    return true;
  }

  #reset(): void {
    this.#truncated = false;
    this.#inValue = false;
    this.#skipping = false;
    this.#key = "";
    this.#value = [];
    this.#tooLong = false;
    this.#escape = undefined;
  }

  /** One raw byte of a name or value: decoded (`+`, `%XX`) and kept. */
  #take(byte: number): void {
    if (this.#escape !== undefined) {
      const digits = this.#escape + String.fromCharCode(byte);
      if (!/^[0-9A-Fa-f]+$/.test(digits)) {
        // Not an escape: PHP keeps it as written (Rack refuses the whole form).
        this.#escape = undefined;
        this.#keep(PCT);
        for (const c of digits) this.#keep(c.charCodeAt(0));
      } else if (digits.length === 2) {
        this.#escape = undefined;
        this.#keep(parseInt(digits, 16));
      } else this.#escape = digits;
      return;
    }
    if (byte === PCT) this.#escape = "";
    else this.#keep(byte === PLUS ? 0x20 : byte);
  }

  /** A `%` escape cut short by the field's end is kept as written. */
  #flushEscape(): void {
    const pending = this.#escape;
    if (pending === undefined) return;
    this.#escape = undefined;
    this.#keep(PCT);
    for (const c of pending) this.#keep(c.charCodeAt(0));
  }

  #keep(byte: number): void {
    if (this.#inValue) {
      if (this.#value.length >= MAX_METHOD_VALUE) this.#tooLong = true;
      else this.#value.push(byte);
      return;
    }
    const key = this.#key;
    if (key === null || key.includes("\0")) return; // past a NUL nothing counts (PHP)
    // Leading spaces and brackets cost no state: PHP and Rack drop them.
    if (key === "" && (byte === 0x20 || byte === 0x5b || byte === 0x5d)) return;
    // Rack drops any run of trailing brackets (`_method]]]`): one stands for the run.
    if (byte === 0x5d && key.endsWith("]")) return;
    const next = key + String.fromCharCode(byte);
    if (byte === 0 ? isMethodKey(next) : couldBeMethodKey(next)) this.#key = next;
    else if (this.#names !== undefined) {
      // Judged names are kept up to the limit, then judged on their start.
      if (next.length <= this.#names.limit) this.#key = next;
      else this.#truncated = true;
    } else {
      // No `_method`: the rest of the field is skipped at native speed.
      this.#key = null;
      this.#skipping = true;
    }
  }
}

/** The next `&` or `;` from `from`, or -1. */
function nextSeparator(bytes: Uint8Array, from: number): number {
  const amp = bytes.indexOf(AMP, from);
  // Only up to the `&`: searching the whole rest for a rare `;` at every field is quadratic.
  const semi = (amp < 0 ? bytes : bytes.subarray(0, amp)).indexOf(SEMI, from);
  return semi >= 0 ? semi : amp;
}
