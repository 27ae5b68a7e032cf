/**
 * IP address helpers for SSRF checks and `allowed_ips`: parse literals and CIDRs, test
 * membership (what an address's class is: `address_class.ts`). IPv4-mapped IPv6 addresses are
 * treated as their IPv4 address.
 *
 * @module
 */

/** A parsed CIDR: the network bytes (4 or 16) and the prefix length. */
export interface Cidr {
  /** Network address: 4 bytes (IPv4, also for v4-mapped input) or 16 (IPv6). */
  bytes: Uint8Array;
  /** Prefix length in bits. */
  prefix: number;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function parseV4(text: string): Uint8Array | undefined {
  if (!V4.test(text)) return undefined;
  return new Uint8Array(text.split(".").map(Number));
}

function parseV6(text: string): Uint8Array | undefined {
  if (text.includes("%") || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (const [i, item] of items.entries()) {
      if (i === items.length - 1 && item.includes(".")) {
        const v4 = parseV4(item);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) out.push(parseInt(item, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** Parse an IP literal (IPv6 optionally in brackets); v4-mapped IPv6 becomes 4 bytes. */
export function parseIp(text: string): Uint8Array | undefined {
  const t = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const bytes = parseV4(t) ?? parseV6(t);
  return bytes && unmap(bytes);
}

function unmap(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16) return bytes;
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff &&
    bytes[11] === 0xff;
  // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address: classify it as that address.
  const nat64 = bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b &&
    bytes.subarray(4, 12).every((b) => b === 0);
  return mapped || nat64 ? bytes.slice(12) : bytes;
}

/**
 * True when the text is an IPv4 or IPv6 literal (IPv6 may be bracketed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isIpLiteral } from "./ip.ts";
 * assert(isIpLiteral("10.0.0.1") && isIpLiteral("::1") && !isIpLiteral("example.com"));
 * ```
 */
export function isIpLiteral(host: string): boolean {
  return parseIp(host) !== undefined;
}

/**
 * Parse `a.b.c.d/n`, `x::y/n` or a bare address (a host-length prefix); undefined on bad
 * input. A v4-mapped IPv6 CIDR of prefix ≥ 96 becomes the IPv4 CIDR it denotes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCidr } from "./ip.ts";
 * assert.equal(parseCidr("10.0.0.0/8")?.prefix, 8);
 * assert.equal(parseCidr("10.0.0.0/33"), undefined);
 * ```
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const addr = slash === -1 ? text : text.slice(0, slash);
  const raw = parseV4(addr) ?? parseV6(addr);
  if (!raw) return undefined;
  let prefix = raw.length * 8;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > raw.length * 8) return undefined;
    prefix = Number(p);
  }
  const bytes = unmap(raw);
  if (bytes.length === 4 && raw.length === 16) {
    if (prefix < 96) return { bytes: raw, prefix };
    prefix -= 96;
  }
  return { bytes, prefix };
}

/** Whether the address bytes of {@linkcode parseIp} lie in `cidr` (same family only). */
export function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}

/**
 * True when two CIDRs share at least one address (one contains the other's network).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cidrsOverlap, parseCidr } from "./ip.ts";
 * assert(cidrsOverlap(parseCidr("0.0.0.0/0")!, parseCidr("127.0.0.1")!));
 * ```
 */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.bytes.length !== b.bytes.length) return false;
  return a.prefix <= b.prefix ? inCidr(b.bytes, a) : inCidr(a.bytes, b);
}

/**
 * True when CIDR `outer` contains every address of `inner`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cidrContains, parseCidr } from "./ip.ts";
 * assert(cidrContains(parseCidr("10.0.0.0/8")!, parseCidr("10.1.0.0/16")!));
 * ```
 */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.bytes.length === inner.bytes.length && outer.prefix <= inner.prefix &&
    inCidr(inner.bytes, outer);
}

/**
 * True when the IP literal lies in one of the CIDRs (bad CIDRs and bad IPs never match).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ipInCidrs } from "./ip.ts";
 * assert(ipInCidrs("10.0.0.7", ["10.0.0.0/24"]));
 * assert(ipInCidrs("::ffff:10.0.0.7", ["10.0.0.0/24"]));
 * ```
 */
export function ipInCidrs(ip: string, cidrs: string[]): boolean {
  const bytes = parseIp(ip);
  if (!bytes) return false;
  return cidrs.some((c) => {
    const cidr = parseCidr(c);
    return cidr !== undefined && inCidr(bytes, cidr);
  });
}
