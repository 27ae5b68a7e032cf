/**
 * The binaries of a binary glob (or of "any binary") that an inspecting endpoint names on their
 * own. `decide()` lets a plain L4 grant authorize no request where the same binary also has an
 * L7 grant on that host and port, so a rule inspecting `/usr/bin/curl` there narrows curl inside
 * `/usr/bin/*`. The glob's view (the rules holding all of its binaries, `_glob_view.ts`) cannot
 * see that, so a coverage question asks each such binary again on its own.
 *
 * @module
 */

import { inspectsRequests } from "../compile/mod.ts";
import { endpointPorts, lookupGrants } from "../compile/mod.ts";
import type { CompiledPolicy } from "../model/mod.ts";
import { globsOverlap, globWithin } from "../glob/mod.ts";
import type { BinaryRef, Endpoint } from "../model/mod.ts";
import { hostsShare } from "./_host_globs.ts";

/**
 * The binary paths (exact or narrower globs) inside `ask` that a rule with an inspecting
 * endpoint (`rest`, `graphql`, `mcp`, `json-rpc`) at `port` on a host `host` may be names
 * without naming all of `ask`; undefined when such a rule's binary overlaps `ask` without lying
 * inside it (no narrower question stands for that part, so it is not covered).
 */
export function inspectedBinaryParts(
  compiled: CompiledPolicy,
  host: string,
  port: number,
  ask: { binary: string; anyBinary: boolean },
): string[] | undefined {
  const parts = new Set<string>();
  for (const binaries of inspectingRules(compiled, host.toLowerCase(), port)) {
    // A rule for any binary holds every binary of the ask: the view already judges it.
    if (binaries === undefined) continue;
    const paths = binaries.map((b) => b.path);
    const meets = paths.filter((p) => ask.anyBinary || globsOverlap(ask.binary, p));
    if (meets.length === 0) continue;
    if (!ask.anyBinary && globWithin(ask.binary, paths)) continue;
    for (const path of meets) {
      if (!ask.anyBinary && !globWithin(path, [ask.binary])) return undefined;
      parts.add(path);
    }
  }
  return [...parts];
}

/**
 * The binaries of each rule with an inspecting endpoint at `port` on some host of `hosts`:
 * through the host index for an exact host, by a scan for a pattern.
 */
function inspectingRules(
  compiled: CompiledPolicy,
  hosts: string,
  port: number,
): (BinaryRef[] | undefined)[] {
  const rules = compiled.policy.network_policies;
  if (!hosts.includes("*")) {
    const keys = new Set(
      lookupGrants(compiled, hosts, port).filter((g) => g.l7).map((g) => g.ruleKey),
    );
    return [...keys].map((key) => rules[key]?.binaries);
  }
  return Object.values(rules).filter((rule) =>
    rule.endpoints.some((ep) => inspectsAt(ep, port) && hostsShare(hosts, ep.host!.toLowerCase()))
  ).map((rule) => rule.binaries);
}

function inspectsAt(ep: Endpoint, port: number): boolean {
  return ep.host !== undefined && inspectsRequests(ep) &&
    endpointPorts(ep).includes(port);
}
