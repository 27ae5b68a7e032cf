/**
 * "Already granted" for a host pattern or a binary glob as a whole. Two sample names cannot
 * tell it: `/usr/bin/**` passes binaries `/usr/bin/*` + `/usr/bin/*\/*` as its own text (one
 * segment) and as `/usr/bin/w0/w0`, though `/usr/bin/a/b/c` is granted by neither. Here the
 * pattern stands as one witness name, and a grant counts for the witness only when it holds
 * every host or binary of the pattern (decided exactly by `globWithin`). Sound: what the view
 * grants the witness, the policy grants each host and binary of the pattern (a union of
 * grants that each hold only part of it is not counted: such a pattern reads "not covered").
 *
 * @module
 */

import { normaliseHost } from "../compile/mod.ts";
import { endpointPorts, lookupGrants } from "../compile/mod.ts";
import type { BinaryMatcher, CompiledPolicy, Grant, GrantLookup } from "../model/mod.ts";
import { globWithin } from "../glob/mod.ts";
import type { Endpoint } from "../model/mod.ts";
import { hostsWithin } from "./_host_globs.ts";

/** The host asked for in place of a host pattern (`.invalid` never resolves). */
export const HOST_WITNESS = "every-host-of-the-pattern.invalid";
/** The executable asked for in place of a binary glob. */
export const BINARY_WITNESS = "(every binary of the glob)";

const WITNESS_BINARIES: BinaryMatcher = { exact: new Set([BINARY_WITNESS]), globs: [] };

/**
 * The grants of `compiled` on (`host`, `port`) as one lookup: `host` a name or a pattern
 * (then asked as {@linkcode HOST_WITNESS}), `binary` a path or a glob (then asked as
 * {@linkcode BINARY_WITNESS}).
 */
export function globView(
  compiled: CompiledPolicy,
  host: string,
  port: number,
  binary: string,
): CompiledPolicy {
  const lookupHost = host.includes("*") ? HOST_WITNESS : host;
  let grants = host.includes("*")
    ? grantsHolding(compiled, host.toLowerCase(), port)
    : lookupGrants(compiled, host, port);
  if (binary.includes("*")) grants = grants.flatMap((g) => asWitness(compiled, g, binary));
  // Keyed as lookupGrants() will ask: lower case, no brackets, no trailing dot.
  const key = `${normaliseHost(lookupHost).replace(/\.$/, "")}:${port}`;
  const none = new Map<never, readonly Grant[]>();
  return {
    policy: compiled.policy,
    ruleCount: compiled.ruleCount,
    exact: lookup(new Map([[key, grants]])),
    wildcard: lookup(none),
    wildcardDepths: new Set(),
    hostless: lookup(none),
  };
}

function lookup<K>(map: ReadonlyMap<K, readonly Grant[]>): GrantLookup<K> {
  return { get: (k) => map.get(k), has: (k) => map.has(k) };
}

/** The grants of endpoints whose host pattern holds every host of `pattern`. */
function grantsHolding(compiled: CompiledPolicy, pattern: string, port: number): Grant[] {
  const out: Grant[] = [];
  for (const rule of Object.values(compiled.policy.network_policies)) {
    for (const ep of rule.endpoints) {
      if (!ep.host?.includes("*") || !endpointPorts(ep).includes(port)) continue;
      const host = ep.host.toLowerCase();
      // Host patterns are `.`-separated globs (host_pattern.ts agrees on every real host).
      if (!hostsWithin(pattern, host)) continue;
      out.push(...lookupGrants(compiled, instance(ep.host), port).filter((g) => g.endpoint === ep));
    }
  }
  return out;
}

/** A host the pattern matches: each wildcard label or run one `w0`. */
function instance(host: string): string {
  return host.toLowerCase().replace(/\*+/g, "w0");
}

/** `g` as seen by the witness binary: kept when its binaries hold every path of `glob`. */
function asWitness(compiled: CompiledPolicy, g: Grant, glob: string): Grant[] {
  if (g.binaries.any) return [g];
  const paths = (compiled.policy.network_policies[g.ruleKey]?.binaries ?? []).map((b) => b.path);
  return globWithin(glob, paths) ? [{ ...g, binaries: WITNESS_BINARIES }] : [];
}

/** An endpoint as asked through the view: a host pattern becomes the witness host. */
export function witnessEndpoint(ep: Endpoint): Endpoint {
  return ep.host?.includes("*") ? { ...ep, host: HOST_WITNESS } : ep;
}
