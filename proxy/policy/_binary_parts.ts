/**
 * The binaries of a binary glob (or of "any binary") that an inspecting endpoint names on their
 * own. `decide()` lets a plain L4 grant authorize no request where the same binary also has an
 * L7 grant on that host and port, so a rule inspecting `/usr/bin/curl` there narrows curl inside
 * `/usr/bin/*`. The glob's view (the rules holding all of its binaries, `_glob_view.ts`) cannot
 * see that, so a coverage question asks each such binary again on its own.
 *
 * @module
 */

import { endpointPorts } from "./compile_policy.ts";
import type { CompiledPolicy } from "./compiled_policy.ts";
import { globsOverlap, globWithin } from "./glob_overlap.ts";
import type { Endpoint } from "./types.ts";

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
  const hosts = host.toLowerCase();
  const parts = new Set<string>();
  for (const rule of Object.values(compiled.policy.network_policies)) {
    // A rule for any binary holds every binary of the ask: the view already judges it.
    if (rule.binaries === undefined) continue;
    const paths = rule.binaries.map((b) => b.path);
    if (!ask.anyBinary && globWithin(ask.binary, paths)) continue;
    const meets = paths.filter((p) => ask.anyBinary || globsOverlap(ask.binary, p));
    if (meets.length === 0) continue;
    if (!rule.endpoints.some((ep) => inspectsAt(ep, port, hosts))) continue;
    for (const path of meets) {
      if (!ask.anyBinary && !globWithin(path, [ask.binary])) return undefined;
      parts.add(path);
    }
  }
  return [...parts];
}

// The protocols whose grants `decide()` inspects (`_compile_grant.ts`), `tls: skip` or not.
const INSPECTING = ["rest", "graphql", "mcp", "json-rpc"];

function inspectsAt(ep: Endpoint, port: number, hosts: string): boolean {
  return ep.host !== undefined && INSPECTING.includes(ep.protocol ?? "") &&
    endpointPorts(ep).includes(port) && globsOverlap(hosts, ep.host.toLowerCase(), ".");
}
