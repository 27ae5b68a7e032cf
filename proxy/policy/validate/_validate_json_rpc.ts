/**
 * Validation of a `protocol: json-rpc` endpoint's own keys (OpenShell's generic JSON-RPC L7
 * schema: `validate_jsonrpc_rule_fields` and `validate_l7_endpoint_semantics`): rules match the
 * JSON-RPC `method` only, exactly or `*`; the `json_rpc:` stanza holds the body cap.
 *
 * @module
 */

import { type Checker, describe, hasControl, type PlainMap, type ValuePath } from "./_checker.ts";
import type { AllowMatcher } from "./_validate_match.ts";
import type { Endpoint, JsonRpcOptions, McpMatch } from "../model/mod.ts";

/** Endpoint keys that only a JSON-RPC-family endpoint reads. */
export const JSON_RPC_ENDPOINT_KEYS = ["json_rpc"] as const;

/** Largest `json_rpc.max_body_bytes` accepted: the proxy's cap on any buffered request body. */
const MAX_BODY_CAP = 16 * 1024 * 1024;
/** OpenShell's `glob_uses_wildcard`: a method naming any of these is a glob. */
const GLOB_SYNTAX = /[*?[\]{}]/;
/** OpenShell's flat runtime field; its YAML spells it as the `json_rpc:` stanza. */
const FLAT_CAP_KEY = "json_rpc_max_body_bytes";

/** How a JSON-RPC endpoint's `allow:` and `deny_rules` entries are validated. */
export const jsonRpcMatcher: AllowMatcher<McpMatch> = {
  match: validateJsonRpcMatch,
  example: "{method: reports.list}",
};

/** Validate `{method}` (an allow or a deny matcher of a `protocol: json-rpc` endpoint). */
export function validateJsonRpcMatch(
  c: Checker,
  raw: unknown,
  path: ValuePath,
): McpMatch | undefined {
  const before = c.problems.length;
  if (!c.map(raw, path, "JSON-RPC matcher")) return undefined;
  for (const key of ["path", "query"]) {
    if (raw[key] !== undefined) {
      c.report([...path, key], `JSON-RPC rules match "method", not "${key}"`, "key");
    }
  }
  if (raw.tool !== undefined) {
    c.report([...path, "tool"], `"tool" (MCP tool matching) needs "protocol: mcp"`, "key");
  }
  if (raw.params !== undefined && raw.params !== null) {
    c.report(
      [...path, "params"],
      `JSON-RPC rules do not match params: write the method alone`,
      "key",
    );
  }
  c.knownKeys(raw, ["method", "tool", "params", "path", "query"], path, "JSON-RPC matcher");
  const method = c.string(raw, "method", path);
  if (method === undefined && raw.method === undefined) {
    c.report(path, `Missing required key "method" (an exact JSON-RPC method or "*")`, "key");
  }
  if (method !== undefined) checkMethod(c, method, [...path, "method"]);
  return c.problems.length === before && method !== undefined ? { method } : undefined;
}

function checkMethod(c: Checker, method: string, path: ValuePath): void {
  if (method === "" || hasControl(method) || method.length > 256) {
    c.report(path, `JSON-RPC method must be a non-empty printable string`);
  } else if (method !== "*" && GLOB_SYNTAX.test(method)) {
    c.report(
      path,
      `JSON-RPC method ${describe(method)} is a glob: write an exact method name, ` +
        `or "*" to match every method`,
    );
  }
}

/** Validate the `json_rpc:` stanza into `ep` and the JSON-RPC endpoint-level rules. */
export function validateJsonRpcKeys(
  c: Checker,
  raw: PlainMap,
  path: ValuePath,
  ep: Endpoint,
): void {
  const family = raw.protocol === "json-rpc" || raw.protocol === "mcp";
  if (raw[FLAT_CAP_KEY] !== undefined) {
    c.report(
      [...path, FLAT_CAP_KEY],
      `Key "${FLAT_CAP_KEY}" is written "json_rpc: {max_body_bytes: N}" in a policy file`,
      "key",
    );
  }
  if (raw.json_rpc !== undefined) {
    const options = jsonRpcOptions(c, raw.json_rpc, [...path, "json_rpc"], family);
    if (options !== undefined && family) ep.json_rpc = options;
  }
  if (raw.protocol !== "json-rpc") return;
  if (raw.access !== undefined) {
    c.report(
      [...path, "access"],
      `"protocol: json-rpc" takes no access preset: write rules with allow.method ` +
        `("*" allows every method)`,
      "key",
    );
  } else if (raw.rules === undefined) {
    c.report([...path, "protocol"], `"protocol: json-rpc" needs "rules" with allow.method`, "key");
  }
}

/** The keys the endpoint's unknown-key check must skip (reported here instead). */
export const JSON_RPC_REPORTED_KEYS = [FLAT_CAP_KEY] as const;

function jsonRpcOptions(
  c: Checker,
  value: unknown,
  path: ValuePath,
  family: boolean,
): JsonRpcOptions | undefined {
  if (!c.map(value, path, `Key "json_rpc"`)) return undefined;
  c.knownKeys(value, ["max_body_bytes"], path, "json_rpc");
  const out: JsonRpcOptions = {};
  const cap = value.max_body_bytes;
  if (cap === undefined) return out;
  if (typeof cap === "number" && Number.isInteger(cap) && cap > 0 && cap <= MAX_BODY_CAP) {
    out.max_body_bytes = cap;
  } else {
    c.report(
      [...path, "max_body_bytes"],
      `Key "max_body_bytes" must be an integer from 1 to ${MAX_BODY_CAP}, got ${describe(cap)}`,
    );
  }
  if (!family) {
    c.warn([...path, "max_body_bytes"], `Ignored unless "protocol: json-rpc" or "mcp"`, "key");
  }
  return out;
}
