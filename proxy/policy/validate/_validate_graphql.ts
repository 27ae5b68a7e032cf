/**
 * Validation of a `protocol: graphql` endpoint's own keys (OpenShell's GraphQL L7 schema; the
 * persisted-query keys also on a GraphQL-over-WebSocket endpoint):
 * operation matchers under `rules[].allow` and `deny_rules[]`, `persisted_queries`,
 * `graphql_persisted_queries` and `graphql_max_body_bytes`.
 *
 * @module
 */

import {
  type Checker,
  describe,
  hasControl,
  isMap,
  type PlainMap,
  type ValuePath,
} from "./_checker.ts";
import type { Endpoint, GraphqlMatch } from "../model/mod.ts";

/** Endpoint keys that only a GraphQL endpoint reads. */
export const GRAPHQL_ENDPOINT_KEYS = [
  "persisted_queries",
  "graphql_persisted_queries",
  "graphql_max_body_bytes",
] as const;

const OPERATION_TYPES = ["query", "mutation", "subscription", "*"];
/** Largest `graphql_max_body_bytes` accepted: the proxy's cap on any buffered request body. */
const MAX_BODY_CAP = 16 * 1024 * 1024;

/** Validate `{operation_type, operation_name?, fields?}` (allow, deny or registry entry). */
export function validateGraphqlMatch(
  c: Checker,
  raw: unknown,
  path: ValuePath,
): GraphqlMatch | undefined {
  const before = c.problems.length;
  if (!c.map(raw, path, "GraphQL matcher")) return undefined;
  c.knownKeys(raw, ["operation_type", "operation_name", "fields"], path, "GraphQL matcher");
  const type = c.string(raw, "operation_type", path);
  if (raw.operation_type === undefined) {
    c.report(
      path,
      `Missing required key "operation_type" (query, mutation, subscription or *)`,
      "key",
    );
  } else if (type !== undefined && !OPERATION_TYPES.includes(type.toLowerCase())) {
    c.report(
      [...path, "operation_type"],
      `Unknown operation_type ${describe(type)}: use "query", "mutation", "subscription" or "*"`,
    );
  }
  const name = c.string(raw, "operation_name", path);
  if (name !== undefined) globCheck(c, name, [...path, "operation_name"]);
  const fields = c.list(raw, "fields", path);
  if (fields?.length === 0) {
    c.report(
      [...path, "fields"],
      `Key "fields" must not be empty: omit it to match every root field`,
    );
  }
  fields?.forEach((f, i) => {
    if (typeof f !== "string" || f === "") {
      c.report([...path, "fields", i], `Field glob must be a non-empty string, got ${describe(f)}`);
    } else globCheck(c, f, [...path, "fields", i]);
  });
  if (c.problems.length !== before || type === undefined) return undefined;
  const out: GraphqlMatch = { operation_type: type };
  if (name !== undefined) out.operation_name = name;
  if (fields !== undefined) out.fields = fields as string[];
  return out;
}

// Only `*` is a wildcard in Tollgate's name globs; OPA's `?`, `[...]` and `{a,b}` are refused
// rather than matched literally, so a pattern never means less than its author expects.
function globCheck(c: Checker, glob: string, path: ValuePath): void {
  if (/[?[\]{}]/.test(glob) || hasControl(glob) || glob.length > 256) {
    c.report(
      path,
      `Name glob ${describe(glob)} may use only "*" as a wildcard (at most 256 characters)`,
    );
  }
}

/** Validate the GraphQL-only endpoint keys into `ep`; warns when the endpoint is not GraphQL. */
export function validateGraphqlKeys(
  c: Checker,
  raw: PlainMap,
  path: ValuePath,
  ep: Endpoint,
): void {
  // A websocket endpoint judges GraphQL-over-WebSocket operations with the same registry.
  const graphql = raw.protocol === "graphql";
  const websocket = raw.protocol === "websocket";
  for (const key of GRAPHQL_ENDPOINT_KEYS) {
    // On a websocket endpoint graphql_max_body_bytes bounds each message read (OpenShell reads
    // up to a message's own 4 MiB): a message costs the event loop what its size does.
    if (raw[key] === undefined || graphql || websocket) continue;
    c.warn([...path, key], `Key "${key}" is ignored unless "protocol: graphql"`, "key");
  }
  const mode = c.choice(
    raw,
    "persisted_queries",
    ["deny", "allow_registered"] as const,
    path,
    "persisted_queries mode",
  );
  if (mode !== undefined) ep.persisted_queries = mode;
  const cap = raw.graphql_max_body_bytes;
  if (cap !== undefined) {
    if (typeof cap === "number" && Number.isInteger(cap) && cap > 0 && cap <= MAX_BODY_CAP) {
      ep.graphql_max_body_bytes = cap;
    } else {
      c.report(
        [...path, "graphql_max_body_bytes"],
        `Key "graphql_max_body_bytes" must be an integer from 1 to ${MAX_BODY_CAP}, got ${
          describe(cap)
        }`,
      );
    }
  }
  const registry = raw.graphql_persisted_queries;
  if (registry === undefined) return;
  if (!isMap(registry)) {
    c.report(
      [...path, "graphql_persisted_queries"],
      `Key "graphql_persisted_queries" must be a map keyed by hash or saved-query id`,
    );
    return;
  }
  const out: Record<string, GraphqlMatch> = {};
  for (const [key, entry] of Object.entries(registry)) {
    const at = [...path, "graphql_persisted_queries", key];
    if (key === "" || hasControl(key)) c.report(at, `Persisted query key must be printable`, "key");
    const m = validateGraphqlMatch(c, entry, at);
    if (m) out[key] = m;
  }
  ep.graphql_persisted_queries = out;
}
