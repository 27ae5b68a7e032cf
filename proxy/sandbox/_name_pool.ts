/**
 * Transparent mode's name book: every host name the sandbox looks up gets its own synthetic
 * IPv4 address from 198.18.0.0/15 (the benchmarking range, RFC 2544, never routed on the
 * internet), so that a connection to that address tells the forwarder which name was meant.
 *
 * @module
 */

/** The synthetic address pool, as the forwarder's `ip route add local` names it. */
export const NAME_POOL_CIDR = "198.18.0.0/15";

const BASE = (198 << 24 >>> 0) + (18 << 16);
const SIZE = 1 << 17;
const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Name ↔ synthetic address, first come first served, for the forwarder's lifetime. A name
 * keeps its address (a client may resolve once and connect many times); the pool holds
 * 131 070 names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NamePool } from "./_name_pool.ts";
 * const pool = new NamePool();
 * const address = pool.addressOf("API.example.com.");
 * assert(address === "198.18.0.1" && pool.nameOf(address) === "api.example.com");
 * ```
 */
export class NamePool {
  #byName = new Map<string, number>();
  #byIndex = new Map<number, string>();

  /** The synthetic address of `name`, or undefined for a name that is not a host name. */
  addressOf(name: string): string | undefined {
    const host = name.toLowerCase().replace(/\.$/, "");
    if (!HOST_NAME.test(host)) return undefined;
    let index = this.#byName.get(host);
    if (index === undefined) {
      index = this.#byName.size + 1;
      // Full: no new names (the existing ones keep working).
      if (index >= SIZE - 1) return undefined;
      this.#byName.set(host, index);
      this.#byIndex.set(index, host);
    }
    return toAddress(BASE + index);
  }

  /** The name a synthetic address stands for, or undefined when it was never given out. */
  nameOf(address: string): string | undefined {
    const value = toNumber(address);
    if (value === undefined || value < BASE || value >= BASE + SIZE) return undefined;
    return this.#byIndex.get(value - BASE);
  }
}

function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

function toNumber(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return undefined;
  }
  return parts.reduce((sum, p) => sum * 256 + Number(p), 0);
}
