/**
 * Whether a host pattern is judged the same on every host it names. `decide()` lets a plain L4
 * grant authorize no request where the same binary also has an L7 grant on that host and port,
 * so an L7 endpoint on part of a pattern narrows that part: `*.example.com` reached as a blind
 * tunnel by one endpoint, `api.example.com` read-only by another. The pattern's view (the grants
 * holding all its hosts, `_glob_view.ts`) cannot see that part, so a coverage question must not
 * take the view's answer for it.
 *
 * @module
 */

import { inspectsRequests } from "../compile/mod.ts";
import { isRestShaped } from "../model/mod.ts";
import { endpointPorts } from "../compile/mod.ts";
import type { CompiledPolicy } from "../model/mod.ts";
import { globsOverlap, globWithin } from "../glob/mod.ts";
import type { BinaryRef, Endpoint } from "../model/mod.ts";
import { hostsShare, hostsWithin } from "./_host_globs.ts";

/**
 * True when some inspecting endpoint (`rest`, `graphql`, `mcp`, `json-rpc`) of `compiled` at `port` names
 * part of `pattern`'s hosts, not all of them, for a binary `binary` may be (`anyBinary`: the
 * ask is for every binary), and could judge that part otherwise than the view does. A `rest`
 * part does not narrow when a path-less `rest` endpoint holding the whole pattern and the whole
 * binary already inspects it: L7 grants of one host add up (their denies are the ceiling's
 * deny check's to find).
 */
export function partlyInspected(
  compiled: CompiledPolicy,
  pattern: string,
  port: number,
  ask: { binary: string; anyBinary: boolean },
): boolean {
  // An exact host is one host: its view holds every grant there (binary globs are the view's).
  if (!pattern.includes("*")) return false;
  const hosts = pattern.toLowerCase();
  const rules = Object.values(compiled.policy.network_policies);
  // Asked only once a REST part is found: most patterns meet no inspected part at all.
  let whole: boolean | undefined;
  const inspectedWhole = () =>
    whole ??= rules.some((rule) =>
      rule.endpoints.some((ep) =>
        isRestShaped(ep.protocol) && ep.path === undefined && atPort(ep, port) &&
        holdsHosts(ep, hosts) && holdsBinary(rule.binaries, ask)
      )
    );
  return rules.some((rule) =>
    rule.endpoints.some((ep) =>
      inspects(ep) && atPort(ep, port) && hostsShare(hosts, ep.host!.toLowerCase()) &&
      meetsBinary(rule.binaries, ask) && !holdsHosts(ep, hosts) &&
      !(isRestShaped(ep.protocol) && inspectedWhole())
    )
  );
}

function inspects(ep: Endpoint): boolean {
  return ep.host !== undefined && inspectsRequests(ep);
}

function atPort(ep: Endpoint, port: number): boolean {
  return endpointPorts(ep).includes(port);
}

function holdsHosts(ep: Endpoint, hosts: string): boolean {
  const host = ep.host?.toLowerCase();
  return host !== undefined && host.includes("*") && hostsWithin(hosts, host);
}

/** The rule's binaries include every binary of the ask. */
function holdsBinary(
  binaries: BinaryRef[] | undefined,
  ask: { binary: string; anyBinary: boolean },
) {
  if (binaries === undefined) return true;
  return !ask.anyBinary && globWithin(ask.binary, binaries.map((b) => b.path));
}

/** The rule's binaries and the ask's share at least one binary. */
function meetsBinary(
  binaries: BinaryRef[] | undefined,
  ask: { binary: string; anyBinary: boolean },
) {
  if (binaries === undefined || ask.anyBinary) return true;
  return binaries.some((b) => globsOverlap(ask.binary, b.path));
}
