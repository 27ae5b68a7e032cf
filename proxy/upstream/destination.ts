/**
 * Where a request really goes: operator overrides (`--resolve host:port:addr`) or DNS, then
 * the SSRF guard on every resolved address.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { checkAddresses, type DestinationResult } from "./_address_guard.ts";
import { boundedLookup, type Lookup, LOOKUPS_AT_ONCE } from "./_bounded_lookup.ts";
import { DNS_CACHE_MS, LookupCache } from "./_lookup_cache.ts";

export { DNS_CACHE_MS, LOOKUPS_AT_ONCE };

export type { DestinationResult } from "./_address_guard.ts";

/** One `--resolve host:port:address[:port]` override (curl's `--resolve`, plus a port). */
export interface ResolveOverride {
  /** Host name as the client names it (lower-cased). */
  host: string;
  /** Port as the client names it. */
  port: number;
  /** IP address to connect to. */
  address: string;
  /** Connect to this port instead of `port` (curl's `--connect-to`). */
  targetPort?: number;
}

/** A CONNECT destination that passed the L4 decision and the SSRF guard. */
export interface TunnelDestination {
  /** Host name as the client named it. */
  host: string;
  /** Port as the client named it. */
  port: number;
  /** The address connected to: resolved and guarded, or the override's. */
  address: string;
  /** The port connected to (an override's `targetPort`, else `port`). */
  connectPort: number;
  /** Whether a `--resolve` override chose the address (operator-trusted, not guarded). */
  overridden: boolean;
}

/**
 * Parse `HOST:PORT:ADDRESS[:TARGET_PORT]` (an IPv6 address in brackets when a target port
 * follows). Without a target port the connection goes to ADDRESS:PORT, as with curl.
 *
 * @throws {TypeError} When the text is not of that form.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseResolveOverride } from "./destination.ts";
 * const o = parseResolveOverride("api.github.com:443:127.0.0.1:8443");
 * assert(o.host === "api.github.com" && o.address === "127.0.0.1" && o.targetPort === 8443);
 * ```
 */
export function parseResolveOverride(text: string): ResolveOverride {
  const invalid = () =>
    new TypeError(`Invalid --resolve "${text}": expected HOST:PORT:ADDRESS[:TARGET_PORT]`);
  const match = /^([^:\s[\]]+):(\d{1,5}):(.+)$/.exec(text);
  if (match === null) throw invalid();
  const port = validPort(match[2]!);
  let rest = match[3]!;
  let targetPort: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(rest);
  if (bracketed) {
    rest = bracketed[1]!;
    if (bracketed[2] !== undefined) targetPort = validPort(bracketed[2]);
  } else if (isIP(rest) === 0) {
    const tail = /^(.+):(\d{1,5})$/.exec(rest);
    if (tail === null) throw invalid();
    rest = tail[1]!;
    targetPort = validPort(tail[2]!);
  }
  if (port === 0 || isIP(rest) === 0 || targetPort === 0) throw invalid();
  const override: ResolveOverride = { host: match[1]!.toLowerCase(), port, address: rest };
  if (targetPort !== undefined) override.targetPort = targetPort;
  return override;
}

/** The port, or 0 when out of range. */
function validPort(text: string): number {
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : 0;
}

/** Options of {@linkcode DestinationResolver}. */
export interface DestinationResolverOptions {
  /**
   * Every address of a host name (system resolver by default), run {@linkcode LOOKUPS_AT_ONCE}
   * at once, half of them at most for one client.
   */
  lookup?: Lookup;
  /** Clock in ms, for the cache. */
  now?: () => number;
}

async function systemLookup(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/**
 * Resolves destinations and applies the SSRF guard.
 *
 * A private or multicast address is refused unless the endpoint's `allowed_ips` covers it, a
 * loopback, link-local, metadata or unspecified one always is, and so is a control-plane port
 * (etcd, Kubernetes API, kubelet) on any address `allowed_ips` decides; every address a name resolves to
 * must pass. A name's addresses are reused for {@linkcode DNS_CACHE_MS}, so a request connects to
 * an address the guard has just checked and a name cannot rebind between requests that close.
 * Overrides are operator-trusted and skip the guard (tests and the demo point public names at
 * local servers that way).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DestinationResolver } from "./destination.ts";
 *
 * const destinations = new DestinationResolver([
 *   { host: "api.github.com", port: 443, address: "127.0.0.1" },
 * ]);
 * // An override is operator-trusted: no DNS, no SSRF guard.
 * const result = await destinations.resolve("api.github.com", 443, undefined);
 * assert.deepEqual(result, { ok: true, address: "127.0.0.1", connectPort: 443, overridden: true });
 * // Anything else private is refused unless allowed_ips covers it.
 * assert.equal((await destinations.resolve("10.0.0.1", 80, undefined)).ok, false);
 * ```
 */
export class DestinationResolver {
  #overrides = new Map<string, ResolveOverride>();
  #names: LookupCache;

  /**
   * A resolver with the operator's overrides.
   *
   * @param overrides Operator-trusted overrides (they skip the SSRF guard).
   * @param options The name lookup and clock (tests replace them).
   */
  constructor(overrides: ResolveOverride[] = [], options: DestinationResolverOptions = {}) {
    // getaddrinfo blocks one of Deno's 32 blocking threads until answered (_bounded_lookup.ts).
    const lookup = boundedLookup(options.lookup ?? systemLookup);
    this.#names = new LookupCache(lookup, options.now ?? (() => performance.now()));
    for (const o of overrides) this.#overrides.set(`${o.host.toLowerCase()}:${o.port}`, o);
  }

  /** True when `host:port` has an operator override. */
  isOverridden(host: string, port: number): boolean {
    return this.#overrides.has(`${host}:${port}`);
  }

  /**
   * Every address `host:port` leads to (the override's, the literal itself, or DNS), for a
   * decision that must see them; undefined when the name does not resolve.
   *
   * @param client Whose share of the lookup slots a lookup takes (see `_bounded_lookup.ts`).
   */
  async addressesOf(
    host: string,
    port: number,
    client?: string,
  ): Promise<string[] | undefined> {
    const override = this.#overrides.get(`${host}:${port}`);
    if (override !== undefined) return [override.address];
    if (isIP(host) !== 0) return [host];
    try {
      return await this.#names.addresses(host, client);
    } catch {
      return undefined;
    }
  }

  /**
   * Resolve `host:port` and check it against `allowedIps`.
   *
   * @param decided The addresses the policy decision was made on (see
   *   {@linkcode addressesOf}): exactly these are checked and connected to, never a fresh
   *   answer, so a name cannot change between the decision and the connection.
   * @param client Whose share of the lookup slots a lookup takes (see `_bounded_lookup.ts`).
   */
  async resolve(
    host: string,
    port: number,
    allowedIps: string[] | undefined,
    decided?: readonly string[],
    client?: string,
  ): Promise<DestinationResult> {
    const override = this.#overrides.get(`${host}:${port}`);
    if (override !== undefined) {
      const connectPort = override.targetPort ?? port;
      return { ok: true, address: override.address, connectPort, overridden: true };
    }
    let addresses: string[];
    if (decided !== undefined) {
      addresses = [...decided];
    } else if (isIP(host) !== 0) {
      addresses = [host];
    } else {
      try {
        addresses = await this.#names.addresses(host, client);
      } catch {
        return { ok: false, reason: `cannot resolve ${host}` };
      }
    }
    // The guard runs on every request, cached answer or not: allowed_ips may have changed.
    return checkAddresses(host, port, addresses, allowedIps ?? []);
  }

  /** Re-check an address chosen earlier against (possibly new) `allowedIps`. */
  recheck(
    host: string,
    port: number,
    address: string,
    allowedIps: string[] | undefined,
  ): DestinationResult {
    const override = this.#overrides.get(`${host}:${port}`);
    if (override?.address === address) {
      return { ok: true, address, connectPort: override.targetPort ?? port, overridden: true };
    }
    return checkAddresses(host, port, [address], allowedIps ?? []);
  }
}
