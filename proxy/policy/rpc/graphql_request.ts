/**
 * GraphQL over HTTP as a policy reads it (OpenShell's `l7/graphql.rs` classifier): a GET's
 * `query`/`operationName`/`extensions`/persisted-id parameters, or a POST's JSON envelope (an
 * object or a batch array), each turned into the operations it would run. Anything ambiguous
 * is an error, and an error denies even in audit mode.
 *
 * @module
 */

import { classifyDocument, type GraphqlOperation } from "./graphql_document.ts";
import { formKeyNamed, KeyNames, queryReadings } from "../path/mod.ts";
import { parseStrictJson } from "./_strict_json.ts";
import { jsonTyped } from "./_json_typed.ts";

/** What a GraphQL request asks for: its operations, or why it cannot be judged. */
export interface GraphqlRequestInfo {
  /** Every operation the request would run (a batch has several). */
  operations: GraphqlOperation[];
  /** Set when the request is malformed or ambiguous; it is then refused. */
  error?: string;
}

/** The parts of an HTTP request the classifier reads. */
export interface GraphqlHttpRequest {
  /** HTTP method as sent. */
  method: string;
  /** Raw query string without `?`. */
  query?: string;
  /** The whole request body (POST). */
  body?: Uint8Array;
  /** The `Content-Type` field's value (fields joined with `,`), if any. */
  contentType?: string;
}

/** Default `graphql_max_body_bytes`: the largest body buffered for inspection (64 KiB). */
export const GRAPHQL_DEFAULT_MAX_BODY_BYTES = 64 * 1024;

const PERSISTED_ID_KEYS = ["id", "documentId", "queryId"] as const;
// Parameters a server may read from the URL even on a POST (express-graphql merges them).
const CONTROL_PARAMS = ["query", "operationName", "extensions", "variables", ...PERSISTED_ID_KEYS];
const CONTROL_NAMES = new KeyNames(CONTROL_PARAMS);
// Each one alone too, built once: a query is read under each name a check asks for.
const CONTROL_KEYS = CONTROL_PARAMS.map((key) => ({ key, names: new KeyNames([key]) }));

/**
 * Classify a GraphQL-over-HTTP request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyGraphqlRequest } from "./graphql_request.ts";
 * const body = new TextEncoder().encode('{"query":"query Viewer { viewer { login } }"}');
 * const info = classifyGraphqlRequest({ method: "POST", body });
 * assert.deepEqual(info.operations[0]?.fields, ["viewer"]);
 * assert.match(classifyGraphqlRequest({ method: "PUT" }).error!, /unsupported GraphQL HTTP method PUT/);
 * ```
 */
export function classifyGraphqlRequest(request: GraphqlHttpRequest): GraphqlRequestInfo {
  const method = request.method.toUpperCase();
  const result = method === "GET"
    ? classifyGet(request.query)
    : method === "POST"
    ? classifyPost(request.query, request.body, request.contentType)
    : `unsupported GraphQL HTTP method ${method}`;
  return typeof result === "string" ? { operations: [], error: result } : { operations: result };
}

function classifyGet(rawQuery: string | undefined): GraphqlOperation[] | string {
  const readings = queryReadings(rawQuery);
  if (readings === undefined) return "GraphQL GET query string cannot be decoded";
  const params = readings[0]!.exact;
  // A repeated control parameter is read differently by different servers: refuse it.
  const repeated = CONTROL_PARAMS.find((key) => (params.get(key)?.length ?? 0) > 1);
  if (repeated !== undefined) {
    return `GraphQL GET parameter "${repeated}" must not appear more than once`;
  }
  // So is one a server reads under another name (PHP's `+query`, Rack's `query[]` or a pair
  // past a `;`): it would run that one instead of the one judged.
  const respelled = CONTROL_KEYS.find(({ key, names }) =>
    readings.some((r) => !sameValues(r.loose.get(names), params.get(key)))
  );
  if (respelled !== undefined) {
    return `GraphQL GET parameter "${respelled.key}" must be sent once, spelled exactly`;
  }
  const one = (key: string) => params.get(key)?.[0] || undefined;
  const ids = PERSISTED_ID_KEYS.filter((key) => one(key) !== undefined);
  if (ids.length > 1) {
    return `GraphQL GET persisted-query id parameters "${ids[0]}" and "${
      ids[1]
    }" must not be combined`;
  }
  const id = ids[0] === undefined ? undefined : one(ids[0]);
  return classifyEnvelope(
    one("query"),
    one("operationName"),
    jsonOrUndefined(one("extensions")),
    id,
  );
}

function classifyPost(
  rawQuery: string | undefined,
  body: Uint8Array | undefined,
  contentType: string | undefined,
): GraphqlOperation[] | string {
  const readings = queryReadings(rawQuery);
  const named = ({ names }: { names: KeyNames }) => readings!.some((r) => r.loose.has(names));
  if (readings === undefined || CONTROL_KEYS.some(named)) {
    // The server might run the URL's operation instead of the body's: never judge one of two.
    return "GraphQL POST must not carry GraphQL parameters in its URL";
  }
  if (body === undefined || body.byteLength === 0) return "GraphQL POST body is empty";
  // Not typed JSON, the body may be read as a form (Yoga, express-graphql): a JSON text whose
  // strings hold `&query=...` would run another operation there than the one judged here.
  if (
    !jsonTyped(contentType) &&
    formKeyNamed(new TextDecoder().decode(body), CONTROL_NAMES) !== undefined
  ) {
    return "GraphQL POST body also reads as a form naming GraphQL parameters: send it as application/json";
  }
  // A key written twice, in any letter case, is refused: Go's encoding/json (gqlgen) runs the
  // last of `"query"` and `"QUERY"`, and the proxy would judge the other.
  const parsed = parseStrictJson(body);
  if ("error" in parsed) {
    return parsed.error === "invalid JSON"
      ? "GraphQL request body is not valid JSON"
      : `GraphQL request body is ambiguous: ${parsed.error}`;
  }
  const value = parsed.value;
  if (Array.isArray(value)) {
    if (value.length === 0) return "GraphQL batch request is empty";
    const out: GraphqlOperation[] = [];
    for (const item of value) {
      const ops = classifyJsonEnvelope(item);
      if (typeof ops === "string") return ops;
      out.push(...ops);
    }
    return out;
  }
  if (isObject(value)) return classifyJsonEnvelope(value);
  return "GraphQL JSON envelope must be an object or array";
}

/**
 * Classify one GraphQL JSON envelope (`{query, operationName?, extensions?}` or a persisted id),
 * as a POST body's or a GraphQL-over-WebSocket `subscribe` message's `payload` carries it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyGraphqlEnvelope } from "./graphql_request.ts";
 * const info = classifyGraphqlEnvelope({ query: "subscription { messageAdded { id } }" });
 * assert.equal(info.operations[0]?.operation_type, "subscription");
 * ```
 */
export function classifyGraphqlEnvelope(value: unknown): GraphqlRequestInfo {
  const result = classifyJsonEnvelope(value);
  return typeof result === "string" ? { operations: [], error: result } : { operations: result };
}

function classifyJsonEnvelope(value: unknown): GraphqlOperation[] | string {
  if (!isObject(value)) return "GraphQL batch item must be an object";
  const str = (v: unknown) => typeof v === "string" ? v : undefined;
  // The first key present names the id, as OpenShell reads it (a non-string id is none).
  const idKey = PERSISTED_ID_KEYS.find((key) => value[key] !== undefined);
  const id = idKey === undefined ? undefined : str(value[idKey]);
  return classifyEnvelope(str(value.query), str(value.operationName), value.extensions, id);
}

function classifyEnvelope(
  query: string | undefined,
  operationName: string | undefined,
  extensions: unknown,
  persistedId: string | undefined,
): GraphqlOperation[] | string {
  const hash = persistedHash(extensions);
  if (query !== undefined && query.trim() !== "") {
    const op = classifyDocument(query, operationName);
    if (typeof op === "string") return op;
    if (hash !== undefined) [op.persisted_query, op.persisted_query_hash] = [true, hash];
    if (persistedId !== undefined) {
      [op.persisted_query, op.persisted_query_id] = [true, persistedId];
    }
    return [op];
  }
  if (hash === undefined && persistedId === undefined) {
    return "GraphQL request has no query document or persisted query identifier";
  }
  const op: GraphqlOperation = { operation_type: "", fields: [], persisted_query: true };
  if (operationName !== undefined) op.operation_name = operationName;
  if (hash !== undefined) op.persisted_query_hash = hash;
  if (persistedId !== undefined) op.persisted_query_id = persistedId;
  return [op];
}

function persistedHash(extensions: unknown): string | undefined {
  if (!isObject(extensions) || !isObject(extensions.persistedQuery)) return undefined;
  const hash = extensions.persistedQuery.sha256Hash;
  return typeof hash === "string" && hash !== "" ? hash : undefined;
}

function jsonOrUndefined(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameValues(read: string[] | undefined, sent: string[] | undefined): boolean {
  const [a, b] = [read ?? [], sent ?? []];
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
