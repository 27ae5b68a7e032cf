/**
 * Does the current policy already grant everything a rule asks? Used to tell that an
 * approved rule is live (`/wait`) and that a proposal is already covered.
 *
 * @module
 */

import { canonicalizePattern } from "../path/mod.ts";
import { endpointPorts } from "../compile/mod.ts";
import type { CompiledPolicy } from "../model/mod.ts";
import { decide } from "../decide/mod.ts";
import { matcherGlobs } from "../compile/mod.ts";
import { cidrContains, parseCidr } from "../host/mod.ts";
import { presetMethods } from "../model/mod.ts";
import type { Endpoint, L7Match, NetworkRule } from "../model/mod.ts";
import type { RequestFacts } from "../model/mod.ts";
import { isJsonRpcFamily, isRestShaped, judgesGraphqlWs, restAllows } from "../model/mod.ts";
import { WEBSOCKET_TEXT } from "../judge/mod.ts";
import { pathsGranted } from "./_paths_granted.ts";
import { binaryMatches, lookupGrants } from "../compile/mod.ts";
import { BINARY_WITNESS, globView, witnessEndpoint } from "./_glob_view.ts";
import { globNfa, GLOBSTAR, STAR } from "../glob/mod.ts";
import { partlyInspected } from "./_partly_inspected.ts";
import { inspectedBinaryParts } from "./_binary_parts.ts";

/** Asked as the requester for a rule with no binaries: only an any-binary grant matches it. */
const ANY_BINARY_WITNESS = "(any binary)";

/**
 * True when, for every endpoint × port × binary of `rule` (a binary path as the requester's
 * executable; a host pattern or binary glob as all its hosts or binaries at once, granted
 * only by endpoints and rules that hold every one of them), the L4 question is allowed, any
 * `allowed_ips` of the rule are covered by the granted ones, an L4-only endpoint gets a blind
 * tunnel (not inspection), and for an L7 endpoint every allow (method, path pattern taken as
 * a literal path and as one instance where `**` spans two segments, query globs as literal
 * values) is allowed without audit, and the allows match every path of its glob. A method
 * `*` needs a `*` grant. Host-less endpoints are never considered covered. A rule without
 * binaries (any binary) is covered only by grants that are themselves for any binary. A
 * leased grant counts only when `at.now` is before its expiry (and a session grant only for
 * `at.sandbox`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, policyCoversRule } from "../mod.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * assert(!policyCoversRule(compiled, { endpoints: [{ host: "a.example.com", port: 443 }], binaries: [{ path: "/usr/bin/curl" }] }));
 * ```
 */
export function policyCoversRule(
  compiled: CompiledPolicy,
  rule: NetworkRule,
  at: Pick<RequestFacts, "now" | "sandbox"> = {},
): boolean {
  return rule.endpoints.every((ep) =>
    ep.host !== undefined && endpointPorts(ep).length > 0 &&
    endpointPorts(ep).every((port) =>
      (rule.binaries ?? [{ path: ANY_BINARY_WITNESS }]).every((b) => {
        const anyBinary = b.path === ANY_BINARY_WITNESS;
        const binary = anyBinary ? "/**" : b.path;
        if (anyBinary || b.path.includes("*")) {
          // Binaries an inspecting rule names on their own are judged as such: ask each alone.
          const parts = inspectedBinaryParts(compiled, ep.host!, port, { binary, anyBinary });
          if (parts === undefined) return false;
          const one = { ...ep, port, ports: undefined };
          const alone = (path: string) =>
            policyCoversRule(compiled, { endpoints: [one], binaries: [{ path }] }, at);
          if (!parts.every(alone)) return false;
        }
        if (!ep.host!.includes("*") && !b.path.includes("*")) {
          return covered(compiled, ep, port, b.path, at);
        }
        // A pattern asks for all its hosts and binaries at once, never for a sample of them;
        // an L7 endpoint on some of its hosts judges those otherwise, which no view can show.
        if (partlyInspected(compiled, ep.host!, port, { binary, anyBinary })) return false;
        const view = globView(compiled, ep.host!, port, b.path);
        const exe = b.path.includes("*") ? BINARY_WITNESS : b.path;
        return covered(view, witnessEndpoint(ep), port, exe, at);
      })
    )
  );
}

function covered(
  compiled: CompiledPolicy,
  ep: Endpoint,
  port: number,
  exe: string,
  at: Pick<RequestFacts, "now" | "sandbox">,
): boolean {
  const base: RequestFacts = {
    host: ep.host!.toLowerCase(),
    port,
    identity: { exe, ancestors: [] },
    ...at,
  };
  const l4 = decide(compiled, base);
  if (l4.verdict !== "allow") return false;
  const granted = (l4.allowedIps ?? []).map(parseCidr);
  const ipsOk = (ep.allowed_ips ?? []).every((text) => {
    const want = parseCidr(text);
    return want !== undefined && granted.some((g) => g !== undefined && cidrContains(g, want));
  });
  if (!ipsOk) return false;
  // A GraphQL-over-WebSocket endpoint's operations too: its GET rules alone say nothing of them.
  if (ep.protocol === "graphql" || isJsonRpcFamily(ep.protocol) || judgesGraphqlWs(ep)) {
    return sameGraphqlGrant(compiled, ep, port, exe);
  }
  if (!isRestShaped(ep.protocol)) return l4.inspect === false;
  const ask = { host: base.host, port, exe, at };
  return asks(ep).every((m) =>
    // The compiled rules hold canonical escapes: ask with the proposed pattern's canonical form.
    witnesses(canonicalizePattern(m.path)).every((path) => {
      const message = m.method.toUpperCase() === WEBSOCKET_TEXT;
      const asked = { ...base, method: m.method, path, query: literalQuery(m) };
      const d = decide(compiled, message ? { ...asked, websocketMessage: true } : asked);
      return d.verdict === "allow" && d.audit !== true;
    }) &&
    // The samples catch denies, queries and audit; only the whole glob shows that the
    // policy's allows reach every path of a pattern.
    pathsGranted(compiled, ask, ep.access && ep.path ? { ...m, path: ep.path } : m)
  );
}

/**
 * Paths that stand for a proposed pattern: the pattern itself, taken literally, and one
 * instance where `**` spans two segments, so a one-segment `*` grant does not cover `**`.
 */
function witnesses(pattern: string): string[] {
  if (!pattern.includes("*")) return [pattern];
  // Built from the glob's own reading, so the instance is a path it matches (`/a/b**` is
  // `/a/b*`: `/a/b_w`, never `/a/b_w/_w`).
  const { elems } = globNfa(pattern, "/");
  const instance = pattern === "**" ? "/_w/_w" : elems
    .map((e) => e === STAR ? "_w" : e === GLOBSTAR ? "_w/_w" : String.fromCharCode(e))
    .join("");
  return [pattern, instance];
}

function asks(ep: Endpoint): L7Match[] {
  if (ep.access) {
    return presetMethods(ep.access, ep.protocol).map((method) => ({ method, path: "**" }));
  }
  return restAllows(ep);
}

function literalQuery(m: L7Match): string | undefined {
  if (!m.query) return undefined;
  const parts: string[] = [];
  for (const [key, spec] of Object.entries(m.query)) {
    for (const glob of matcherGlobs(spec)) {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(glob)}`);
    }
  }
  return parts.join("&");
}

/**
 * Operations and calls have no literal witness the way paths do: a GraphQL or MCP endpoint
 * counts as covered only when the policy holds the same endpoint (same keys and values) for
 * this binary.
 */
function sameGraphqlGrant(
  compiled: CompiledPolicy,
  ep: Endpoint,
  port: number,
  exe: string,
): boolean {
  const want = canonicalJson(ep);
  return lookupGrants(compiled, ep.host!.toLowerCase(), port).some((g) =>
    binaryMatches(g.binaries, exe) && canonicalJson(g.endpoint) === want
  );
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
        : v,
  );
}
