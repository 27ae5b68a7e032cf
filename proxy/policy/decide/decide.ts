/**
 * The decision: pure, total, deny by default. Every verdict names its layer, a reason, the
 * rule key and, for a denial, the rule that is missing.
 *
 * @module
 */

import { binaryMatches, lookupGrants } from "../compile/mod.ts";
import type { CompiledMatch, CompiledPolicy, Grant } from "../model/mod.ts";
import { queryAllows, queryDenies, queryKeysJudged } from "../compile/mod.ts";
import { type QueryReading, queryReadings } from "../path/mod.ts";
import { leaseLive } from "../model/mod.ts";
import { allowL4, allowL7, auditAllow, denyL4, denyL7, smallestKey } from "../judge/mod.ts";
import type { RequesterIdentity, RequestFacts } from "../model/mod.ts";
import type { Decision } from "../model/mod.ts";
import { decideGraphql, decideGraphqlWs } from "../judge/mod.ts";
import { httpWebsocketText, markWebsocket } from "../judge/mod.ts";
import { decideJsonRpc, decideMcp } from "../judge/mod.ts";
import { denyReadings } from "./_deny_readings.ts";
import { grantsOnPath, judgedPath } from "./_judged_path.ts";
import { isRequestHost } from "../host/mod.ts";

// The grants whose lease (if any) still allows the request: live at `facts.now`, for
// `facts.sandbox`, and for a once-scoped rule not yet spent. Durable-only lists pass untouched.
function liveGrants(grants: readonly Grant[], facts: RequestFacts): readonly Grant[] {
  if (!grants.some((g) => g.lease)) return grants;
  return grants.filter((g) =>
    !g.lease ||
    (leaseLive(g.lease, facts) && !(g.lease.scope === "once" && facts.spent?.(g.ruleKey)))
  );
}

function identityMatches(g: Grant, id: RequesterIdentity): boolean {
  return binaryMatches(g.binaries, id.exe) ||
    id.ancestors.some((a) => binaryMatches(g.binaries, a));
}

type Params = () => QueryReading[] | undefined;

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

/**
 * Decide one request. Without `facts.method` this is the L4 question (may this binary reach
 * host:port?); with it, the L7 question for one request on an allowed connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, decide } from "../mod.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * const d = decide(compiled, { host: "example.com", port: 443, identity: { exe: "/usr/bin/curl", ancestors: [] } });
 * assert(d.verdict === "deny" && d.reason === "network connections not allowed by policy");
 * ```
 */
export function decide(compiled: CompiledPolicy, facts: RequestFacts): Decision {
  try {
    return decideUnsafe(compiled, facts);
  } catch {
    // Total by contract: any surprise is a denial, never an exception in the transport.
    return denyL4(facts, "internal error while deciding");
  }
}

function decideUnsafe(compiled: CompiledPolicy, facts: RequestFacts): Decision {
  if (!isRequestHost(facts.host)) return denyL4(facts, "malformed destination host");
  const id = facts.identity;
  if (!id) {
    const why = facts.identityError ?? "unknown";
    return denyL4(facts, `requester identity could not be resolved: ${why}`);
  }
  if (compiled.ruleCount === 0) return denyL4(facts, "network connections not allowed by policy");
  const grants = liveGrants(
    lookupGrants(compiled, facts.host, facts.port, facts.addresses),
    facts,
  );
  if (grants.length === 0) {
    return denyL4(facts, `endpoint ${facts.host}:${facts.port} not in policy`);
  }
  const matched = grants.filter((g) => identityMatches(g, id));
  if (matched.length === 0) {
    const key = smallestKey(grants);
    return denyL4(facts, `binary '${id.exe}' not allowed in policy '${key}'`, key);
  }
  if (facts.method === undefined) return allowL4(facts, matched);
  // A plain L4 grant authorizes the destination, never a request on an inspected connection:
  // where the same binary also has an L7 grant here, only L7 rules judge (OpenShell takes the
  // connection's config from endpoints with a protocol, and an endpoint without rules allows
  // no request). Letting the L4 grant win would skip every L7 rule the policy wrote for it.
  const inspected = matched.filter((g) => g.l7);
  if (inspected.length === 0) return allowL4(facts, matched);
  // An endpoint `path` narrows which requests its rules judge (OpenShell's
  // endpoint_matches_l7_request): endpoints on other paths neither allow nor deny this one.
  const path = facts.path;
  const { onPath, judging, exactly } = grantsOnPath(inspected, path);
  // The usual case: no GraphQL, MCP or JSON-RPC endpoint here, the REST rules alone decide.
  if (judging.length === 0) return decideRest(facts, inspected, onPath);
  // A GraphQL endpoint is authoritative for its path: its operations decide, not REST rules;
  // so is an MCP or a JSON-RPC endpoint, by its JSON-RPC calls. Where kinds share a path, a
  // body can read as each (a query that is also a `tools/call`): each kind must allow it, or
  // one kind's grant would skip the other's deny rules. One on the path only as an origin may
  // read it (`/MCP/` for `/mcp`) judges too, beside the REST rules a stricter origin applies.
  const graphql = judging.filter((g) => g.graphql);
  const mcp = judging.filter((g) => g.mcp?.kind === "mcp");
  const jsonRpc = judging.filter((g) => g.mcp?.kind === "json-rpc");
  const judged: Decision[] = [];
  if (graphql.length > 0) judged.push(decideGraphql(facts, graphql));
  if (mcp.length > 0) judged.push(decideMcp(facts, mcp));
  if (jsonRpc.length > 0) judged.push(decideJsonRpc(facts, jsonRpc));
  if (!exactly) judged.push(decideRest(facts, inspected, onPath));
  return judged.find((d) => d.verdict === "deny") ?? judged.at(exactly ? 0 : -1)!;
}

const NONE: Grant[] = [];
const isSocket = (g: Grant) => g.endpoint.protocol === "websocket";

/** The REST rules of the endpoints on the request's path (none: not permitted). */
function decideRest(facts: RequestFacts, inspected: Grant[], onPath: Grant[]): Decision {
  if (onPath.length === 0) {
    return denyL7(facts, inspected, `${facts.method} ${facts.path} not permitted by policy`);
  }
  // A websocket endpoint judges its path, and the paths an origin may route to it (`/WS`,
  // `/ws/`): a socket opened there under another grant's GET is judged too, each message
  // against every grant that sees it (a GraphQL-over-WebSocket one by its operation).
  const path = facts.path;
  const sockets = path === undefined || !inspected.some(isSocket)
    ? NONE
    : inspected.filter((g) => isSocket(g) && judgedPath(g, path) !== "off");
  const seen = sockets.length === 0 ? onPath : [...new Set([...onPath, ...sockets])];
  const asText = (grants: Grant[]) => decideL7(facts, grants, facts.method!, path);
  const graphqlWs = sockets.filter((g) => g.graphqlWs);
  if (facts.websocketMessage && graphqlWs.length > 0) {
    return decideGraphqlWs(facts, seen, graphqlWs, asText);
  }
  const asked = facts.websocketMessage ? seen : onPath;
  return httpWebsocketText(facts, onPath) ?? markWebsocket(asText(asked), seen);
}

function decideL7(
  facts: RequestFacts,
  matched: Grant[],
  rawMethod: string,
  path: string | undefined,
): Decision {
  if (path === undefined) {
    return denyL7(facts, matched, `${rawMethod} request has no canonical path`);
  }
  const query = once(() => queryReadings(facts.query));
  const request = { path, lowerPath: path.toLowerCase(), query };
  const first = judgeMethod(facts, matched, { ...request, method: rawMethod, label: rawMethod });
  if (first.verdict === "deny") return first;
  if (!facts.methodOverrides?.length) return withQueryKeys(first, matched, [rawMethod], request);
  // An override header lets the origin act as another method: each one must pass on its
  // own (deny if the real or any overridden method is denied or not allowed).
  let audited = first.audit ? first : undefined;
  const onces = new Set(first.once === undefined ? [] : [first.once]);
  for (const override of facts.methodOverrides) {
    const label = `${rawMethod} (as ${override})`;
    const d = judgeMethod(facts, matched, { ...request, method: override, label });
    if (d.verdict === "deny") return d;
    if (d.audit) audited ??= d;
    if (d.once !== undefined) onces.add(d.once);
  }
  const final = audited ?? first;
  // The origin may act as each method it was asked for: a once rule that alone allows one of
  // them is used up by this request too, not only the real method's.
  const more = [...onces].filter((key) => key !== final.once);
  if (more.length > 0) final.overrideOnce = more;
  return withQueryKeys(final, matched, [rawMethod, ...facts.methodOverrides ?? []], request);
}

/** An allow names the query keys its rules judge, which a body must not carry (decision.ts). */
function withQueryKeys(
  d: Decision,
  grants: Grant[],
  methods: string[],
  { path, lowerPath }: { path: string; lowerPath: string },
): Decision {
  if (d.verdict !== "allow") return d;
  const keys = queryKeysJudged(grants, methods, path, lowerPath);
  if (keys.length > 0) d.queryKeys = keys;
  return d;
}

/** `make()` at most once, and only if asked for (the query's parse, the deny readings). */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

interface Asked {
  /** The method to judge, as sent (the real one or an override). */
  method: string;
  /** How the reason names it: `POST` or `POST (as DELETE)`. */
  label: string;
  path: string;
  lowerPath: string;
  query: Params;
}

const ENCODED_SLASH = /%2F|%5C/; // kept by canonicalizePath() only under allow_encoded_slash

function judgeMethod(facts: RequestFacts, matched: Grant[], asked: Asked): Decision {
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
