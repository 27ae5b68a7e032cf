/**
 * A compressed form or JSON body, read as the origins that inflate it read it: Express's
 * body-parser inflates `gzip` and `deflate` (and `br` from 2.0) before method-override reads
 * `_method`, so the bytes as sent hide it. The body is kept (compressed, bounded) as it streams
 * past and inflated whole when it ends, before the piece that completes it leaves; the origin
 * acts on such a body only once it is whole. The inflating and its bounds are in
 * `_inflate_and_scan.ts`; a proxy runs it on its inflate worker.
 *
 * @module
 */

import { concatAll } from "../wire/mod.ts";
import {
  type BodyScanner,
  BudgetSpent,
  type FieldNames,
  NONE,
  type ScanResult,
} from "./_form_fields.ts";
import {
  type BodyKind,
  inflateAndScan,
  type InflateJob,
  readsCoding,
} from "./_inflate_and_scan.ts";

/** The most compressed bytes kept for one body; a larger one is refused. */
export const MAX_COMPRESSED_BYTES = 1024 * 1024;

/** Inflates and scans one whole body (a proxy's inflate worker); absent: on this thread. */
export type Inflater = (job: InflateJob) => Promise<ScanResult>;

/** Where a compressed body is inflated. */
export interface InflateOptions {
  /** Where the body is inflated; without it, on this thread when the body ends. */
  inflate?: Inflater;
}

/** How a proxy reads a compressed body: where it is inflated, and its copy in the body budget. */
export interface BudgetedInflateOptions extends InflateOptions {
  /**
   * Reserves `bytes` of the proxy's body budget for the compressed copy kept (the exchange's
   * lease, given back when it ends); false when the budget is spent.
   */
  hold(bytes: number): boolean;
}

/** Either: a scanner given no `hold` keeps its copy outside any budget. */
export type ScanInflating = InflateOptions & { hold?: BudgetedInflateOptions["hold"] };

/**
 * The scanner of a body sent with `Content-Encoding` `codings` (each header's comma-separated
 * list, in order), or a problem when no reading of it is safe: one coding among gzip, x-gzip,
 * deflate and br is inflated; identity adds nothing; any other coding, or more than one, is
 * refused. Undefined when the body is not compressed.
 *
 * @param kind What the inflated bytes are read as.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import zlib from "node:zlib";
 * import { inflatedScanner } from "./_inflated_scan.ts";
 * const scanner = inflatedScanner(["gzip"], "form");
 * assert.ok(scanner !== undefined && typeof scanner !== "string");
 * const body = zlib.gzipSync(new TextEncoder().encode("a=1&_method=DELETE"));
 * assert.deepEqual(scanner.push(body.subarray(0, 9)), []);
 * assert.deepEqual(scanner.push(body.subarray(9)), []);
 * assert.deepEqual(scanner.end(), ["DELETE"]);
 * assert.equal(inflatedScanner(["identity"], "form"), undefined);
 * assert.match(String(inflatedScanner(["gzip, br"], "form")), /one of/);
 * ```
 */
export function inflatedScanner(
  codings: string[],
  kind: BodyKind,
  options: ScanInflating = {},
  names?: FieldNames,
): BodyScanner<BudgetSpent> | string | undefined {
  const named = codings.flatMap((value) => value.split(","))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (named.length === 0) return undefined;
  if (named.length !== 1 || !readsCoding(named[0]!)) {
    return `A form or JSON body with Content-Encoding "${named.join(", ")}" is not read: ` +
      "send it uncompressed, or with one of gzip, deflate or br";
  }
  return new InflatedScanner(named[0]!, kind, options, names?.keys);
}

/** Keeps the compressed body, and has it inflated and scanned when it ends. */
class InflatedScanner implements BodyScanner<BudgetSpent> {
  #coding: string;
  #kind: BodyKind;
  #options: ScanInflating;
  #pieces: Uint8Array[] = [];
  #bytes = 0;
  #names: string[] | undefined;

  constructor(coding: string, kind: BodyKind, options: ScanInflating, names?: string[]) {
    this.#names = names;
    this.#coding = coding;
    this.#kind = kind;
    this.#options = options;
  }

  push(bytes: Uint8Array): ScanResult<BudgetSpent> {
    this.#bytes += bytes.byteLength;
    if (this.#bytes > MAX_COMPRESSED_BYTES) {
      return `A ${this.#coding} form or JSON body over ${MAX_COMPRESSED_BYTES >> 20} MiB is not ` +
        "read: send it uncompressed";
    }
    // Up to 1 MiB per connection, 512 connections: counted with every body held whole.
    if (this.#options.hold?.(bytes.byteLength) === false) return new BudgetSpent();
    // A copy: the piece's bytes are wiped once forwarded.
    this.#pieces.push(bytes.slice());
    return NONE;
  }

  end(): ScanResult | Promise<ScanResult> {
    const job = {
      coding: this.#coding,
      kind: this.#kind,
      body: concatAll(this.#pieces, this.#bytes),
      names: this.#names,
    };
    this.#pieces = [];
    const inflate = this.#options.inflate;
    return inflate ? inflate(job) : inflateAndScan(job);
  }
}
