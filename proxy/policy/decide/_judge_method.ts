/**
 * One method of a request judged against the host's grants: deny rules, then allow rules, then
 * audit, each rule's method, path and query matched; a kept encoded slash is judged as a slash
 * too.
 *
 * @module
 */

import { queryAllows, queryDenies } from "../compile/mod.ts";
import type { CompiledMatch, Decision, Grant, RequestFacts } from "../model/mod.ts";
import type { QueryReading } from "../path/mod.ts";
import { allowL7, auditAllow, denyL7 } from "../judge/mod.ts";
import { denyReadings } from "./_deny_readings.ts";

/** `make()` at most once, and only if asked for (the query's parse, the deny readings). */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** One method asked of a path: the real one, or an override the origin may act as. */
export interface Asked {
  /** The method to judge, as sent (the real one or an override). */
  method: string;
  /** How the reason names it: `POST` or `POST (as DELETE)`. */
  label: string;
  path: string;
  lowerPath: string;
  query: Params;
}

const ENCODED_SLASH = /%2F|%5C/; // kept by canonicalizePath() only under allow_encoded_slash

/**
 * One asked method on the path, judged against the grants that matched the request: a deny
 * rule fires first (the path read as other origins read it too), then an allow, then audit;
 * else a denial naming the missing rule.
 */
export function judgeMethod(facts: RequestFacts, matched: Grant[], asked: Asked): Decision {
  const { path, lowerPath, query, label } = asked;
  const method = asked.method.toUpperCase();
  // A kept %2F or %5C (some grant here has allow_encoded_slash) is a slash to an origin that
  // decodes first: a deny fires on either reading, and only a grant that asked for encoded
  // slashes may allow one, or one rule's flag would reach every other rule of the host.
  const encoded = ENCODED_SLASH.test(path);
  const slashed = encoded ? lowerPath.replace(/%2f|%5c/g, "/").replace(/\/{2,}/g, "/") : "";
  // The grants that may let it through, as allows or as audit (without the flag, their own
  // reading of such a path is a 400).
  const judging = encoded ? matched.filter((g) => g.allowEncodedSlash) : matched;
  // Deny rules read the path as other origins would too (`_deny_readings.ts`: Windows, a
  // trailing slash ignored), read only when a grant here has deny rules (most have none); a
  // short name may be any path, so it fires every deny of the method.
  const read = once(() => denyReadings(encoded ? [lowerPath, slashed] : [lowerPath]));
  const denying = matched.filter((g) =>
    g.deny.some((m) => read().some((p) => matchFires(m, method, p, query, true)))
  );
  if (denying.length > 0) {
    const reason = `${label} ${path} blocked by deny rule`;
    const enforcing = denying.filter((g) => g.enforcement === "enforce");
    if (enforcing.length > 0) return denyL7(facts, enforcing, reason, asked.method);
    const audited = denying.filter((g) => judging.includes(g));
    if (audited.length > 0) return auditAllow(facts, audited, reason);
    return denyL7(facts, denying, reason, asked.method);
  }
  const allowing = judging.filter((g) =>
    g.allow.some((m) => matchFires(m, method, path, query, false))
  );
  if (allowing.length > 0) return allowL7(facts, allowing);
  const reason = `${label} ${path} not permitted by policy`;
  const audit = judging.filter((g) => g.enforcement === "audit");
  if (audit.length > 0) return auditAllow(facts, audit, reason);
  return denyL7(facts, matched, reason, asked.method);
}

/** The query's readings, parsed when a rule first asks (undefined: it cannot be decoded). */
export type Params = () => QueryReading[] | undefined;

function matchFires(
  m: CompiledMatch,
  method: string,
  path: string | true,
  query: Params,
  deny: boolean,
): boolean {
  if (!m.anyMethod && !m.methods.has(method)) return false;
  if (path !== true && !m.path(path)) return false;
  if (!m.query) return true;
  const params = query();
  // A query that cannot be decoded fails closed: it fires every deny and no allow.
  if (params === undefined) return deny;
  return deny ? queryDenies(m.query, params) : queryAllows(m.query, params);
}
