/**
 * The decision: pure, total, deny by default. Every verdict names its layer, a reason, the
 * rule key and, for a denial, the rule that is missing.
 *
 * @module
 */

import { binaryMatches, lookupGrants } from "../compile/mod.ts";
import type { CompiledPolicy, Grant } from "../model/mod.ts";
import { queryKeysJudged } from "../compile/mod.ts";
import { queryReadings } from "../path/mod.ts";
import { leaseLive } from "../model/mod.ts";
import { allowL4, denyL4, denyL7, smallestKey } from "../judge/mod.ts";
import type { RequesterIdentity, RequestFacts } from "../model/mod.ts";
import type { Decision } from "../model/mod.ts";
import { decideGraphql, decideGraphqlWs } from "../judge/mod.ts";
import { httpWebsocketText, markWebsocket } from "../judge/mod.ts";
import { decideJsonRpc, decideMcp } from "../judge/mod.ts";
import { judgeMethod, once } from "./_judge_method.ts";
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
