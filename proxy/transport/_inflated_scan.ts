/**
 * A compressed form or JSON body, read as the origins that inflate it read it: Express's
 * body-parser inflates `gzip` and `deflate` (and `br` from 2.0) before method-override reads
 * `_method`, so the bytes as sent hide it. The body is kept (compressed, bounded) as it streams
 * past and inflated whole when it ends, before the piece that completes it leaves; the origin
 * acts on such a body only once it is whole.
 *
 * @module
 */

import zlib from "node:zlib";
import { concatAll } from "./_bytes.ts";
import { type BodyScanner, NONE } from "./_form_fields.ts";

/** The most compressed bytes kept for one body; a larger one is refused. */
export const MAX_COMPRESSED_BYTES = 1024 * 1024;

/**
 * The most bytes one body inflates to. Express reads 100 kB by default; the bound keeps a small
 * body that inflates without end (a "zip bomb") to a few milliseconds of the proxy's time.
 */
export const MAX_INFLATED_BYTES = 8 * 1024 * 1024;

/**
 * The most a body inflates per byte sent, past {@linkcode INFLATED_FLOOR}: the proxy's work on
 * a body stays in proportion to what the client sent. Without it a 14-byte br body inflated to
 * 8 MiB (about 36 ms of the event loop, which every other client waits behind); gzip and
 * deflate cannot pass 1032, and real forms and JSON inflate 3 to 30 times.
 */
export const MAX_INFLATION_RATIO = 256;

/** Any body may inflate this far, whatever its ratio (a small body inflates cheaply). */
export const INFLATED_FLOOR = 64 * 1024;

/** The codings read, each with the readings an origin may take of it. */
const READINGS: Record<string, ((bytes: Uint8Array, max: number) => Uint8Array)[]> = {
  gzip: [(bytes, max) => zlib.gunzipSync(bytes, { maxOutputLength: max })],
  "x-gzip": [(bytes, max) => zlib.gunzipSync(bytes, { maxOutputLength: max })],
  // RFC 9110's deflate is zlib's format; some servers read a raw deflate stream under the name.
  deflate: [
    (bytes, max) => zlib.inflateSync(bytes, { maxOutputLength: max }),
    (bytes, max) => zlib.inflateRawSync(bytes, { maxOutputLength: max }),
  ],
  br: [(bytes, max) => zlib.brotliDecompressSync(bytes, { maxOutputLength: max })],
};

/**
 * The largest brotli window read (4 MiB, the encoders' default). The decoder fills its whole
 * window before it yields a byte, whatever the output bound: a 53-byte body with a 16 MiB
 * window cost 34 ms of the event loop, one with 4 MiB 9 ms.
 */
export const MAX_BROTLI_WINDOW_BITS = 22;

/**
 * The scanner of a body sent with `Content-Encoding` `codings` (each header's comma-separated
 * list, in order), or a problem when no reading of it is safe: one coding among gzip, x-gzip,
 * deflate and br is inflated; identity adds nothing; any other coding, or more than one, is
 * refused. Undefined when the body is not compressed.
 *
 * @param scanner Makes a fresh scanner for the inflated bytes (the form's or JSON's).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import zlib from "node:zlib";
 * import { inflatedScanner } from "./_inflated_scan.ts";
 * import { UrlencodedScanner } from "./_urlencoded_scan.ts";
 * const scanner = inflatedScanner(["gzip"], () => new UrlencodedScanner());
 * assert.ok(scanner !== undefined && typeof scanner !== "string");
 * const body = zlib.gzipSync(new TextEncoder().encode("a=1&_method=DELETE"));
 * assert.deepEqual(scanner.push(body.subarray(0, 9)), []);
 * assert.deepEqual(scanner.push(body.subarray(9)), []);
 * assert.deepEqual(scanner.end(), ["DELETE"]);
 * assert.equal(inflatedScanner(["identity"], () => new UrlencodedScanner()), undefined);
 * assert.match(String(inflatedScanner(["gzip, br"], () => new UrlencodedScanner())), /one of/);
 * ```
 */
export function inflatedScanner(
  codings: string[],
  scanner: () => BodyScanner,
): BodyScanner | string | undefined {
  const named = codings.flatMap((value) => value.split(","))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (named.length === 0) return undefined;
  const readings = named.length === 1 ? READINGS[named[0]!] : undefined;
  if (readings === undefined) {
    return `A form or JSON body with Content-Encoding "${named.join(", ")}" is not read: ` +
      "send it uncompressed, or with one of gzip, deflate or br";
  }
  return new InflatedScanner(named[0]!, readings, scanner);
}

/** Keeps the compressed body, and scans each reading of it inflated when it ends. */
class InflatedScanner implements BodyScanner {
  #coding: string;
  #readings: ((bytes: Uint8Array, max: number) => Uint8Array)[];
  #scanner: () => BodyScanner;
  #pieces: Uint8Array[] = [];
  #bytes = 0;

  constructor(
    coding: string,
    readings: ((bytes: Uint8Array, max: number) => Uint8Array)[],
    scanner: () => BodyScanner,
  ) {
    this.#coding = coding;
    this.#readings = readings;
    this.#scanner = scanner;
  }

  push(bytes: Uint8Array): readonly string[] | string {
    this.#bytes += bytes.byteLength;
    if (this.#bytes > MAX_COMPRESSED_BYTES) {
      return `A ${this.#coding} form or JSON body over ${MAX_COMPRESSED_BYTES >> 20} MiB is not ` +
        "read: send it uncompressed";
    }
    // A copy: the piece's bytes are wiped once forwarded.
    this.#pieces.push(bytes.slice());
    return NONE;
  }

  end(): readonly string[] | string {
    const body = concatAll(this.#pieces, this.#bytes);
    this.#pieces = [];
    const bound = inflationBound(body.byteLength);
    if (this.#coding === "br" && brotliWindowBits(body) > MAX_BROTLI_WINDOW_BITS) {
      return `A br form or JSON body with a window over ${1 << (MAX_BROTLI_WINDOW_BITS - 20)} ` +
        "MiB is not read: send it uncompressed, or with the encoder's default window";
    }
    const found: string[] = [];
    let read = 0;
    for (const reading of this.#readings) {
      let inflated: Uint8Array;
      try {
        inflated = reading(body, bound);
      } catch (error) {
        if (error instanceof RangeError) return tooLarge(this.#coding, bound);
        continue; // Not this reading (an origin taking it fails as well).
      }
      read++;
      const scanner = this.#scanner();
      for (const result of [scanner.push(inflated), scanner.end()]) {
        if (typeof result === "string") return result;
        found.push(...result);
      }
    }
    if (read === 0 && body.byteLength > 0) {
      return `A ${this.#coding} form or JSON body that does not inflate is not read`;
    }
    return found.length === 0 ? NONE : found;
  }
}

/** The window a brotli stream declares in its first bits (RFC 7932 9.1); 99 when unknown. */
function brotliWindowBits(body: Uint8Array): number {
  const b = body[0];
  if (b === undefined) return 0;
  if ((b & 1) === 0) return 16;
  const n = (b >> 1) & 7;
  if (n !== 0) return 17 + n;
  const m = (b >> 4) & 7;
  if (m === 1) return 99; // the large-window extension, beyond RFC 7932
  return m === 0 ? 17 : 8 + m;
}

/** How far a body of `sent` compressed bytes is inflated before it is refused. */
function inflationBound(sent: number): number {
  return Math.min(MAX_INFLATED_BYTES, Math.max(INFLATED_FLOOR, sent * MAX_INFLATION_RATIO));
}

function tooLarge(coding: string, bound: number): string {
  const past = bound === MAX_INFLATED_BYTES
    ? `${MAX_INFLATED_BYTES >> 20} MiB`
    : `${MAX_INFLATION_RATIO} times its size`;
  return `A ${coding} form or JSON body that inflates past ${past} is not read: ` +
    "send it uncompressed";
}
