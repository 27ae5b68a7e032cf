/**
 * JSON read as strictly as a policy needs: well-formed UTF-8, no object that names a key
 * twice (however it is spelled: `"method"`, `"\u006dethod"` and `"METHOD"` are the same key),
 * and a depth bound. `JSON.parse` keeps the last of two equal keys while other servers keep the first, so
 * a body with both could be judged by one call and run as another.
 *
 * @module
 */

/** Deepest nesting accepted (objects and arrays). */
const MAX_DEPTH = 64;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const FATAL_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A failure of {@linkcode parseStrictJson}: `invalid JSON` or the duplicate key found. */
export type StrictJsonError = { error: string };

/**
 * Parse `bytes` as one JSON value, refusing duplicate keys, invalid UTF-8 and deep nesting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStrictJson } from "./_strict_json.ts";
 * const enc = (s: string) => new TextEncoder().encode(s);
 * assert.deepEqual(parseStrictJson(enc('{"a":[1]}')), { value: { a: [1] } });
 * assert.deepEqual(parseStrictJson(enc('{"a":1,"\\u0061":2}')), { error: 'duplicate key "a"' });
 * assert.deepEqual(parseStrictJson(enc('{"s":1,"\u017f":2}')), { error: 'duplicate key "ſ"' });
 * ```
 */
export function parseStrictJson(bytes: Uint8Array): { value: unknown } | StrictJsonError {
  let text: string;
  try {
    text = FATAL_UTF8.decode(bytes);
  } catch {
    return { error: "invalid JSON" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: "invalid JSON" };
  }
  const problem = scan(text);
  return problem === undefined ? { value } : { error: problem };
}

// The text parsed already: walk it once more only to see each object's keys, decoded.
function scan(text: string): string | undefined {
  const keys: Set<string>[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (WS.has(ch)) {
      i++;
      continue;
    }
    if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      if (keys.length >= MAX_DEPTH) return `JSON nested deeper than ${MAX_DEPTH} levels`;
      keys.push(ch === 0x7b ? new Set() : ARRAY);
      expectKey = ch === 0x7b;
      i++;
      continue;
    }
    if (ch === 0x7d || ch === 0x5d) {
      keys.pop();
      expectKey = false;
      i++;
      continue;
    }
    if (ch === 0x2c /* , */) {
      expectKey = keys.at(-1) !== ARRAY;
      i++;
      continue;
    }
    if (ch === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (expectKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        const seen = keys.at(-1)!;
        const folded = foldKey(key);
        if (seen.has(folded)) return `duplicate key ${JSON.stringify(key.slice(0, 40))}`;
        seen.add(folded);
        expectKey = false;
      }
      i = end;
      continue;
    }
    i++; // `:`, numbers, literals: nothing to see
  }
  return undefined;
}

/**
 * A key as servers that match keys without letter case read it: Go's `encoding/json` (the
 * field's name or tag under Unicode case folding, `ſ` as `s`, `K` as `k`), Jackson and .NET
 * when told to. They run the last of `"method"` and `"METHOD"`; the proxy judged the first.
 */
function foldKey(key: string): string {
  return key.toUpperCase().toLowerCase();
}

// Marks an array level on the stack (its members have no keys).
const ARRAY: Set<string> = new Set();

/** The index just past the string token starting at `start` (the text is valid JSON). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c /* \ */) i += 2;
    else if (ch === 0x22) return i + 1;
    else i++;
  }
  return i;
}
