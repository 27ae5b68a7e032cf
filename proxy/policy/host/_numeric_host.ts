/**
 * Hosts that end in a number. A resolver (glibc's inet_aton, WHATWG URL's IPv4 parser) reads
 * `127.1`, `0x7f.1`, `0177.0.0.1` or `2130706433` as an IPv4 address, so a rule for such a
 * host reads harmless to a reviewer and reaches that address. Only the plain dotted quad
 * (`a.b.c.d`, each part decimal without a leading zero) is an address a person reads right.
 *
 * @module
 */

/** The last label is all digits, or `0x` and hex digits: WHATWG URL's "ends in a number". */
const NUMERIC_END = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/i;

/**
 * True when the host's last label is a number (a dotted quad included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endsInNumber } from "./_numeric_host.ts";
 * assert(endsInNumber("0x7f.1") && !endsInNumber("example.com"));
 * ```
 */
export function endsInNumber(host: string): boolean {
  return NUMERIC_END.test(host);
}

/** One part as inet_aton reads it: `0x` hex, a leading `0` octal, else decimal. */
function partValue(part: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  return /^\d+$/.test(part) ? parseInt(part, 10) : undefined;
}

/** The dotted quad a numeric host reads as, or undefined when it reads as no address. */
function readsAs(host: string): string | undefined {
  const parts = host.split(".");
  if (parts.length > 4) return undefined;
  const values = parts.map(partValue);
  if (values.some((v) => v === undefined || !Number.isSafeInteger(v))) return undefined;
  const nums = values as number[];
  // Every part but the last is one byte; the last fills the bytes left.
  const last = nums.pop()!;
  if (nums.some((v) => v > 255) || last >= 256 ** (4 - nums.length)) return undefined;
  let value = last;
  nums.forEach((v, i) => value += v * 256 ** (3 - i));
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * The problem of a host whose last label is a number, or undefined. Call it only for a host
 * that is not an IP literal: a plain dotted quad is fine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numericHostProblem } from "./_numeric_host.ts";
 * assert.match(numericHostProblem("127.1")!, /127\.0\.0\.1/);
 * assert.match(numericHostProblem("2130706433")!, /127\.0\.0\.1/);
 * assert.equal(numericHostProblem("api.example.com"), undefined);
 * assert.equal(numericHostProblem("ipv4.1e100.net"), undefined);
 * ```
 */
export function numericHostProblem(host: string): string | undefined {
  if (!endsInNumber(host)) return undefined;
  const address = host.includes("*") ? undefined : readsAs(host);
  const reads = address === undefined
    ? "which resolvers may read as an IPv4 address"
    : `which resolvers read as the IPv4 address ${address}`;
  return `Host "${host}" ends in a number, ${reads}: write an address as four decimal parts ` +
    `(a.b.c.d), or a name whose last label is not a number`;
}
