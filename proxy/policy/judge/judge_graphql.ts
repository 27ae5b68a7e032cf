/**
 * The GraphQL judgement of one request against the GraphQL endpoints its path selects, as
 * OpenShell's Rego has it: every operation must be allowed by every such endpoint (a GraphQL
 * endpoint is authoritative for its path), a deny rule matching any operation denies, a
 * hash-only persisted query runs as its registry entry or is refused, and a malformed request
 * is refused even in audit mode.
 *
 * @module
 */

import type { CompiledGraphql, CompiledGraphqlMatch, Grant } from "../model/mod.ts";
import type { GraphqlOperation } from "../rpc/mod.ts";
import type { GraphqlRequestInfo } from "../rpc/mod.ts";
import type { Decision, RequestFacts } from "../model/mod.ts";
import { summarizeOperation } from "./graphql_summary.ts";
import { allowL7, auditAllow, denyL7 } from "./_verdicts.ts";

/** The verdict of {@linkcode judgeGraphql}, before it becomes a `Decision`. */
export type GraphqlJudgement =
  | { verdict: "allow"; grants: Grant[] }
  | {
    verdict: "deny";
    /** The endpoints that denied (all of them for a malformed request). */
    grants: Grant[];
    /** OpenShell's reason text, without the operation. */
    reason: string;
    /** The operation that was refused, when one was. */
    operation?: GraphqlOperation;
    /** Refused whatever the enforcement mode (a malformed or ambiguous request). */
    hard: boolean;
  };

/** Which GraphQL rules of a grant judge: its `graphql` (HTTP) or its `graphqlWs` (messages). */
export type GraphqlSide = (grant: Grant) => CompiledGraphql;

const HTTP: GraphqlSide = (grant) => grant.graphql!;

// Reasons in OpenShell's precedence (request_deny_reason), strongest first.
const UNREGISTERED = "GraphQL persisted query is not registered";
const BLOCKED = "GraphQL operation blocked by endpoint policy";
const NOT_PERMITTED = "GraphQL operation not permitted by policy";
const ORDER = [UNREGISTERED, BLOCKED, NOT_PERMITTED];

/**
 * Judge a classified GraphQL request against the GraphQL grants on its path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy, lookupGrants } from "../compile/mod.ts";
 * import { judgeGraphql } from "./judge_graphql.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {
 *   gql: { endpoints: [{ host: "h", port: 443, protocol: "graphql", access: "read-only" }] } } });
 * const grants = [...lookupGrants(compiled, "h", 443)];
 * const op = { operation_type: "mutation", fields: ["x"], persisted_query: false };
 * assert.equal(judgeGraphql({ operations: [op] }, grants).verdict, "deny");
 * ```
 */
export function judgeGraphql(
  info: GraphqlRequestInfo,
  grants: Grant[],
  side: GraphqlSide = HTTP,
): GraphqlJudgement {
  if (info.error !== undefined || info.operations.length === 0) {
    const why = info.error ?? "no operation";
    return { verdict: "deny", grants, reason: `GraphQL request rejected: ${why}`, hard: true };
  }
  let worst: { reason: string; operation: GraphqlOperation; grants: Grant[] } | undefined;
  for (const grant of grants) {
    const found = endpointDenial(info.operations, side(grant));
    if (found === undefined) continue;
    const rank = ORDER.indexOf(found.reason);
    if (worst === undefined || rank < ORDER.indexOf(worst.reason)) {
      worst = { ...found, grants: [grant] };
    } else if (rank === ORDER.indexOf(worst.reason)) worst.grants.push(grant);
  }
  if (worst === undefined) return { verdict: "allow", grants };
  return { verdict: "deny", ...worst, hard: false };
}

function endpointDenial(
  ops: GraphqlOperation[],
  g: CompiledGraphql,
): { reason: string; operation: GraphqlOperation } | undefined {
  const effective: GraphqlOperation[] = [];
  for (const op of ops) {
    const registered = op.persisted_query && op.operation_type === ""
      ? registeredOperation(op, g)
      : op;
    if (registered === undefined) return { reason: UNREGISTERED, operation: op };
    effective.push(registered);
  }
  const denied = effective.find((op) => g.deny.some((m) => matches(m, op, "deny")));
  if (denied) return { reason: BLOCKED, operation: denied };
  const unallowed = effective.find((op) => !g.allow.some((m) => matches(m, op, "allow")));
  if (unallowed) return { reason: NOT_PERMITTED, operation: unallowed };
  return undefined;
}

/** A hash-only operation runs as its registry entry (hash first, then saved-query id). */
function registeredOperation(
  op: GraphqlOperation,
  g: CompiledGraphql,
): GraphqlOperation | undefined {
  if (!g.allowRegistered) return undefined;
  const key = op.persisted_query_hash || op.persisted_query_id;
  const entry = key ? g.registry.get(key) : undefined;
  if (entry === undefined) return undefined;
  const out: GraphqlOperation = {
    operation_type: entry.operation_type,
    fields: entry.fields ?? [],
    persisted_query: true,
  };
  if (entry.operation_name !== undefined) out.operation_name = entry.operation_name;
  return out;
}

function matches(m: CompiledGraphqlMatch, op: GraphqlOperation, side: "allow" | "deny"): boolean {
  if (m.type !== "*" && m.type !== op.operation_type.toLowerCase()) return false;
  if (m.name && !m.name(op.operation_name ?? "")) return false;
  if (!m.fields) return true;
  const hit = (field: string) => m.fields!.some((glob) => glob(field));
  // Allow: every selected root field must be listed (one safe field cannot carry another).
  // Deny: any listed root field denies.
  return side === "allow" ? op.fields.length > 0 && op.fields.every(hit) : op.fields.some(hit);
}

/**
 * The decision of a request (or a GraphQL-over-WebSocket message) against the GraphQL grants
 * that judge it, from `facts.graphql` (absent: refused, its body was not inspected): an audit
 * endpoint lets a refused operation through as audit, a malformed request never.
 */
export function decideGraphql(
  facts: RequestFacts,
  grants: Grant[],
  side: GraphqlSide = HTTP,
): Decision {
  const info = facts.graphql ?? { operations: [], error: "request body was not inspected" };
  const judged = judgeGraphql(info, grants, side);
  if (judged.verdict === "allow") return allowL7(facts, judged.grants);
  const op = judged.operation && summarizeOperation(judged.operation);
  const reason = op ? `${judged.reason}: ${op.text}` : judged.reason;
  const enforcing = judged.grants.filter((g) => g.enforcement === "enforce");
  const d = !judged.hard && enforcing.length === 0
    ? auditAllow(facts, judged.grants, reason)
    : denyL7(facts, judged.hard ? judged.grants : enforcing, reason);
  if (op) d.graphql = op.summary;
  if (op && d.ruleMissing) {
    d.ruleMissing = { ...d.ruleMissing, type: "graphql_allow", operation: op.summary };
  }
  return d;
}
