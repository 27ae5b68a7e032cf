/**
 * The JSON reading of a body (Laravel reads a JSON body's top-level keys as its form, so a
 * top-level `"_method": "DELETE"` overrides the method there): a streaming tokenizer that tracks
 * only nesting, strings and the top-level keys, in bounded state.
 *
 * @module
 */

import { METHOD_TOKEN } from "../wire/mod.ts";
import type { BodyScanner } from "./_form_fields.ts";
import { FieldNames, MAX_METHOD_VALUE, NONE } from "./_form_fields.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const TARGET = "_method";

/** What the string being read is. */
type StringRole = "key" | "value" | "other";

/**
 * Finds top-level `_method` string members of a JSON object body (every one: PHP keeps the
 * last of duplicate keys, others the first), and the strings of a top-level `_method` array
 * (Express's method-override runs a POST as the first element of an array value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonScanner } from "./_json_scan.ts";
 * const scanner = new JsonScanner();
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * assert.deepEqual(scanner.push(bytes('{"a": {"_method": "PUT"}, "\\u005fmeth')), []);
 * assert.deepEqual(scanner.push(bytes('od": "DEL')), []);
 * assert.deepEqual(scanner.push(bytes('ETE"}')), ["DELETE"]);
 * ```
 */
export class JsonScanner implements BodyScanner {
  /** Query keys a top-level member must not be named as (see `FieldNames`). */
  #names: FieldNames | undefined;
  #depth = 0;
  /** The root is an object (a top-level array or scalar has no keys). */
  #object = false;
  #expectKey = false;
  /** The member being read is `_method` (its value is wanted when it is a string). */
  #matched = false;
  /** Inside a top-level `_method` array: Express's method-override takes its first element. */
  #inArray = false;
  #role: StringRole | undefined;
  #text = "";
  #tooLong = false;
  /** Inside a string: 0, or after `\`: 1, or the hex digits of a `\u` escape so far + 2. */
  #escape = 0;
  #hex = "";
  #problem: string | undefined;

  /** @param names Query keys the body's top-level members must not be read as. */
  constructor(names?: FieldNames) {
    this.#names = names;
  }

  push(bytes: Uint8Array): readonly string[] | string {
    if (this.#problem !== undefined) return this.#problem;
    let found: string[] | undefined;
    for (let at = 0; at < bytes.byteLength; at++) {
      if (this.#role !== undefined) {
        // Skip a string no one needs at native speed.
        if (this.#role === "other" && this.#escape === 0) {
          const next = nextStringStop(bytes, at);
          if (next < 0) break;
          at = next;
        }
        const method = this.#stringByte(bytes[at]!);
        if (this.#problem !== undefined) return this.#problem;
        if (method !== undefined) (found ??= []).push(method);
        continue;
      }
      this.#structure(bytes[at]!);
    }
    return found ?? NONE;
  }

  end(): readonly string[] | string {
    return this.#problem ?? NONE;
  }

  /** One byte outside strings. */
  #structure(byte: number): void {
    switch (byte) {
      case QUOTE: {
        const top = this.#object && this.#depth === 1;
        const value = (top && this.#matched) || (this.#inArray && this.#depth === 2);
        this.#role = top && this.#expectKey ? "key" : value ? "value" : "other";
        this.#text = "";
        this.#tooLong = false;
        return;
      }
      case 0x7b: // {
      case 0x5b: // [
        if (this.#depth === 0) this.#object = byte === 0x7b;
        this.#depth++;
        this.#expectKey = this.#depth === 1 && this.#object;
        this.#inArray ||= this.#matched && this.#depth === 2 && byte === 0x5b;
        this.#matched &&= this.#depth !== 2; // an object or array value
        return;
      case 0x7d: // }
      case 0x5d: // ]
        this.#depth = Math.max(0, this.#depth - 1);
        this.#inArray &&= this.#depth >= 2;
        return;
      case 0x2c: // ,
        if (this.#depth === 1 && this.#object) [this.#expectKey, this.#matched] = [true, false];
        return;
      case 0x3a: // :
        return;
      default:
        // A number, `true`, `null`: not a string value.
        if (byte > 0x20 && this.#depth === 1) this.#matched = false;
    }
  }

  /** One byte inside a string; the method a `_method` value names once it ends. */
  #stringByte(byte: number): string | undefined {
    if (this.#escape === 1) {
      this.#escape = 0;
      if (byte === 0x75) [this.#escape, this.#hex] = [2, ""]; // \u
      else this.#keep(ESCAPES[byte] ?? byte);
      return undefined;
    }
    if (this.#escape === 2) {
      this.#hex += String.fromCharCode(byte);
      if (this.#hex.length === 4) {
        this.#escape = 0;
        this.#keep(parseInt(this.#hex, 16) || 0);
      }
      return undefined;
    }
    if (byte === BACKSLASH) return void (this.#escape = 1);
    if (byte !== QUOTE) return void this.#keep(byte);
    const role = this.#role;
    this.#role = undefined;
    if (role === "key") {
      this.#expectKey = false;
      this.#matched = !this.#tooLong && this.#text === TARGET;
      if (!this.#matched && this.#names?.judges(this.#text, this.#tooLong)) {
        this.#problem = FieldNames.PROBLEM;
      }
      return undefined;
    }
    if (role !== "value") return undefined;
    this.#matched = false;
    if (this.#tooLong || !METHOD_TOKEN.test(this.#text)) {
      this.#problem = "The _method member of the JSON body must name one method";
      return undefined;
    }
    return this.#text;
  }

  /** A decoded character of a key or `_method` value (UTF-8 bytes of others never match). */
  #keep(code: number): void {
    if (this.#role === "other") return;
    const key = this.#names?.limit ?? TARGET.length;
    const limit = this.#role === "key" ? key : MAX_METHOD_VALUE;
    if (this.#text.length >= limit) this.#tooLong = true;
    else this.#text += String.fromCharCode(code);
  }
}

const ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x74: 0x09, 0x72: 0x0d, 0x62: 8, 0x66: 12 };

/** The next `"` or `\` from `from`, or -1. */
function nextStringStop(bytes: Uint8Array, from: number): number {
  const quote = bytes.indexOf(QUOTE, from);
  const slash = (quote < 0 ? bytes : bytes.subarray(0, quote)).indexOf(BACKSLASH, from);
  return slash >= 0 ? slash : quote;
}
