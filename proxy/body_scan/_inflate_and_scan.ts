/**
 * The pure kernel of the compressed-body scan: inflate one whole compressed form or JSON body
 * every way an origin may read it, bounded, and scan each inflated reading for `_method`. It
 * runs on the proxy's inflate worker (`inflate_worker.ts`), never on the event loop of a
 * proxy, since a small body may cost milliseconds to inflate.
 *
 * @module
 */

import zlib from "node:zlib";
import { FieldNames, NONE, type ScanResult } from "./_form_fields.ts";
import { JsonScanner } from "./_json_scan.ts";
import { UrlencodedScanner } from "./_urlencoded_scan.ts";

/** The most bytes one body inflates to. Express reads 100 kB by default. */
export const MAX_INFLATED_BYTES = 8 * 1024 * 1024;

/**
 * The most a body inflates per byte sent, past {@linkcode INFLATED_FLOOR}: the proxy's work on
 * a body stays in proportion to what the client sent. gzip and deflate cannot pass 1032, and
 * real forms and JSON inflate 3 to 30 times.
 */
export const MAX_INFLATION_RATIO = 256;

/** Any body may inflate this far, whatever its ratio (a small body inflates cheaply). */
export const INFLATED_FLOOR = 64 * 1024;

/**
 * The largest brotli window read (4 MiB, the encoders' default). The decoder fills its whole
 * window before it yields a byte, whatever the output bound: a 53-byte body with a 16 MiB
 * window cost 34 ms, one with 4 MiB 9 ms.
 */
export const MAX_BROTLI_WINDOW_BITS = 22;

/** What the inflated bytes are read as. */
export type BodyKind = "form" | "json";

/** One compressed body to read. */
export interface InflateJob {
  /** The body's one coding (lower case): gzip, x-gzip, deflate or br. */
  coding: string;
  /** How its fields are read: a form or JSON. */
  kind: BodyKind;
  /** The whole body as sent. */
  body: Uint8Array;
  /** Query keys its fields must not be read as (`FieldNames`), as a worker gets them. */
  names?: string[];
}

type Reading = (bytes: Uint8Array, max: number) => Uint8Array;

/** The codings read, each with the readings an origin may take of it. */
const READINGS: Record<string, Reading[]> = {
  gzip: [(bytes, max) => zlib.gunzipSync(bytes, { maxOutputLength: max })],
  "x-gzip": [(bytes, max) => zlib.gunzipSync(bytes, { maxOutputLength: max })],
  // RFC 9110's deflate is zlib's format; some servers read a raw deflate stream under the name.
  deflate: [
    (bytes, max) => zlib.inflateSync(bytes, { maxOutputLength: max }),
    (bytes, max) => zlib.inflateRawSync(bytes, { maxOutputLength: max }),
  ],
  br: [(bytes, max) => zlib.brotliDecompressSync(bytes, { maxOutputLength: max })],
};

/** Whether `coding` (lower case) is one {@linkcode inflateAndScan} reads. */
export function readsCoding(coding: string): boolean {
  return Object.hasOwn(READINGS, coding);
}

/**
 * The methods every reading of `job`'s body names once inflated, or the problem that refuses
 * it: inflating past the bound, a br window over 4 MiB, a body no reading inflates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import zlib from "node:zlib";
 * import { inflateAndScan } from "./_inflate_and_scan.ts";
 * const body = zlib.gzipSync(new TextEncoder().encode("a=1&_method=DELETE"));
 * assert.deepEqual(inflateAndScan({ coding: "gzip", kind: "form", body }), ["DELETE"]);
 * const bomb = zlib.gzipSync(new Uint8Array(1 << 20));
 * assert.match(String(inflateAndScan({ coding: "gzip", kind: "form", body: bomb })), /256 times/);
 * ```
 */
export function inflateAndScan({ coding, kind, body, names }: InflateJob): ScanResult {
  const judged = names && names.length > 0 ? new FieldNames(names) : undefined;
  const readings = READINGS[coding];
  if (readings === undefined) {
    return `A form or JSON body with Content-Encoding "${coding}" is not read`;
  }
  if (coding === "br" && brotliWindowBits(body) > MAX_BROTLI_WINDOW_BITS) {
    return `A br form or JSON body with a window over ${1 << (MAX_BROTLI_WINDOW_BITS - 20)} ` +
      "MiB is not read: send it uncompressed, or with the encoder's default window";
  }
  const bound = inflationBound(body.byteLength);
  const found: string[] = [];
  let read = 0;
  for (const reading of readings) {
    let inflated: Uint8Array;
    try {
      inflated = reading(body, bound);
    } catch (error) {
      if (error instanceof RangeError) return tooLarge(coding, bound);
      continue; // Not this reading (an origin taking it fails as well).
    }
    read++;
    const scanner = kind === "form" ? new UrlencodedScanner(judged) : new JsonScanner(judged);
    for (const result of [scanner.push(inflated), scanner.end()]) {
      if (typeof result === "string") return result;
      found.push(...result);
    }
  }
  if (read === 0 && body.byteLength > 0) {
    return `A ${coding} form or JSON body that does not inflate is not read`;
  }
  return found.length === 0 ? NONE : found;
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
