/**
 * Exact path coverage for `policyCoversRule`: does a policy's union of allow globs hold every
 * path of a proposed pattern? Sample paths (the pattern taken literally and one instance)
 * pass `/a/**` under `/a/*` + `/a/*\/*`, though `/a/b/c/d` is granted by neither.
 *
 * @module
 */

import { canonicalizePattern } from "../path/mod.ts";
import { binaryMatches, lookupGrants } from "../compile/mod.ts";
import type { CompiledPolicy, Grant } from "../model/mod.ts";
import { globCovers, globWithin } from "../glob/mod.ts";
import { restAllows } from "../model/mod.ts";
import { presetMethods } from "../model/mod.ts";
import type { RequestFacts } from "../model/mod.ts";
import { leaseLive } from "../model/mod.ts";
import { matcherGlobs } from "../compile/mod.ts";
import type { L7Match } from "../model/mod.ts";

/** Where the asked pattern is granted: host, port, the requester and the clock. */
export interface PathAsk {
  host: string;
  port: number;
  exe: string;
  at: Pick<RequestFacts, "now" | "sandbox">;
}

/**
 * True when the allow rules of the live grants for (`host`, `port`, `exe`) together match
 * every path of `m.path` for method `m.method` and any query `m` admits. An allow with a
 * query counts only where it admits every query value `m` does; an endpoint `path` only when
 * it holds the whole pattern. A pattern without `*` needs no search (the sample path is the whole set).
 */
export function pathsGranted(compiled: CompiledPolicy, ask: PathAsk, m: L7Match): boolean {
  const want = canonicalizePattern(m.path);
  const queryGlobs = Object.values(m.query ?? {}).flatMap(matcherGlobs);
  // Without a wildcard the sample request is the whole set, and decide() answered for it.
  if (!want.includes("*") && !queryGlobs.some((g) => g.includes("*"))) return true;
  const live = lookupGrants(compiled, ask.host, ask.port)
    .filter((g) => liveFor(g, ask) && binaryMatches(g.binaries, ask.exe));
  // Plain grants alone open the whole connection: every request passes uninspected. Beside an
  // L7 grant for the binary they add nothing: only the L7 rules judge (see decide()).
  const grants = live.filter((g) => g.l7);
  if (live.length > 0 && grants.length === 0) return true;
  const globs = grants
    .filter((g) => !g.graphql)
    .filter((g) => g.endpoint.path === undefined || globWithin(want, [scope(g)]))
    .flatMap((g) => allowGlobs(g, m));
  return globs.some((g) => globCovers(g, want)) || globWithin(want, globs);
}

function liveFor(g: Grant, ask: PathAsk): boolean {
  return g.lease === undefined || leaseLive(g.lease, ask.at);
}

function scope(g: Grant): string {
  return canonicalizePattern(g.endpoint.path!);
}

function allowGlobs(g: Grant, m: L7Match): string[] {
  const ep = g.endpoint;
  const method = m.method.toUpperCase();
  if (ep.access) {
    const methods = presetMethods(ep.access, ep.protocol);
    return methods.includes("*") || methods.includes(method) ? ["**"] : [];
  }
  return restAllows(ep)
    .filter((a) => methodCovers(a.method.toUpperCase(), method) && queryWithin(m.query, a.query))
    .map((a) => canonicalizePattern(a.path));
}

/**
 * Does every query an ask admits pass `allow`'s query? Each key of `allow` must be asked for,
 * with every asked value glob inside the allowed ones (an allow glob's `*` stops at `.`).
 */
function queryWithin(ask: L7Match["query"], allow: L7Match["query"]): boolean {
  if (allow === undefined) return true;
  return Object.entries(allow).every(([key, spec]) => {
    const mine = ask?.[key];
    return mine !== undefined &&
      matcherGlobs(mine).every((g) => globWithin(g, matcherGlobs(spec), "."));
  });
}

/** A rule on GET covers HEAD; a rule on `*` covers every method, and only it covers `*`. */
function methodCovers(allow: string, asked: string): boolean {
  return allow === "*" || allow === asked || (allow === "GET" && asked === "HEAD");
}
