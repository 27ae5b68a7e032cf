/**
 * Validation of a `protocol: mcp` endpoint's own keys (OpenShell's MCP L7 schema, its
 * `validate_jsonrpc_rule_fields` and `validate_l7_endpoint_semantics`): call matchers under
 * `rules[].allow` and `deny_rules[]` (`method`, `tool`, `params.name`) and the `mcp:` stanza.
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
import { matcherGlobs } from "../compile/mod.ts";
import type { AllowMatcher } from "./_validate_match.ts";
import { mcpToolConflicts } from "./_mcp_tool_conflicts.ts";
import type { Endpoint, McpMatch, McpOptions, QueryMatcherSpec } from "../model/mod.ts";

/** Endpoint keys that only an MCP endpoint reads. */
export const MCP_ENDPOINT_KEYS = ["mcp"] as const;

/** Largest `mcp.max_body_bytes` accepted: the proxy's cap on any buffered request body. */
const MAX_BODY_CAP = 16 * 1024 * 1024;
const OPA_SYNTAX = /[?[\]{}\\]/;

/** The endpoint options a call matcher is checked against. */
export interface McpRuleContext {
  /** `mcp.allow_all_known_mcp_methods`: a rule may omit `method`. */
  allowAll: boolean;
  /** `mcp.strict_tool_names` (default true): tool globs need it. */
  strict: boolean;
}

/** The MCP options of an endpoint as written (defaults applied), read leniently. */
export function mcpContext(raw: PlainMap): McpRuleContext {
  const m = isMap(raw.mcp) ? raw.mcp : {};
  return {
    allowAll: m.allow_all_known_mcp_methods === true,
    strict: m.strict_tool_names !== false,
  };
}

/** How an MCP endpoint's `allow:` and `deny_rules` entries are validated. */
export function mcpMatcher(raw: PlainMap): AllowMatcher<McpMatch> {
  const ctx = mcpContext(raw);
  const match = (c: Checker, r: unknown, p: ValuePath) => validateMcpMatch(c, r, p, ctx);
  return { match, example: "{method: tools/call, tool: ...}" };
}

/** Validate `{method?, tool?, params?: {name}}` (an allow or a deny matcher). */
export function validateMcpMatch(
  c: Checker,
  raw: unknown,
  path: ValuePath,
  ctx: McpRuleContext,
): McpMatch | undefined {
  const before = c.problems.length;
  if (!c.map(raw, path, "MCP matcher")) return undefined;
  for (const key of ["path", "query"]) {
    if (raw[key] !== undefined) {
      c.report([...path, key], `MCP rules match "method" and "tool", not "${key}"`, "key");
    }
  }
  c.knownKeys(raw, ["method", "tool", "params", "path", "query"], path, "MCP matcher");
  const method = c.string(raw, "method", path);
  const out: McpMatch = {};
  if (method !== undefined) out.method = checkMethod(c, method, [...path, "method"]);
  const tool = raw.tool === undefined
    ? undefined
    : toolMatcher(c, raw.tool, [...path, "tool"], ctx);
  if (tool !== undefined) out.tool = tool;
  const name = paramsName(c, raw, path, ctx);
  if (name !== undefined) out.params = { name };
  const selects = raw.tool !== undefined || name !== undefined;
  if (raw.tool !== undefined && name !== undefined) {
    c.report([...path, "params"], `Use either "tool" or "params.name", not both`, "key");
  }
  if (method === undefined && !ctx.allowAll) {
    c.report(
      path,
      `Missing required key "method" (set "mcp.allow_all_known_mcp_methods: true" to omit it)`,
      "key",
    );
  } else if (method !== undefined && selects && method !== "tools/call") {
    c.report(
      [...path, "method"],
      `Method must be "tools/call" when the rule names a tool, got ${describe(method)}`,
    );
  }
  return c.problems.length === before ? out : undefined;
}

function checkMethod(c: Checker, method: string, path: ValuePath): string {
  if (method === "" || hasControl(method) || method.length > 256) {
    c.report(path, `MCP method must be a non-empty printable string`);
  } else if (OPA_SYNTAX.test(method)) {
    c.report(path, `MCP method ${describe(method)} may use only "*" as a wildcard`);
  } else if (method.includes("*") && !method.startsWith("tools/")) {
    c.report(
      path,
      `MCP method globs are only valid inside "tools/"; omit "method" and set ` +
        `"mcp.allow_all_known_mcp_methods: true" to allow every method`,
    );
  }
  return method;
}

function paramsName(
  c: Checker,
  raw: PlainMap,
  path: ValuePath,
  ctx: McpRuleContext,
): QueryMatcherSpec | undefined {
  const params = raw.params;
  if (params === undefined) return undefined;
  const at = [...path, "params"];
  if (!isMap(params)) return void c.report(at, `Key "params" must be a map: {name: <tool glob>}`);
  for (const key of Object.keys(params)) {
    if (key !== "name") {
      c.report([...at, key], `MCP tool argument matching is not supported: only "name"`, "key");
    }
  }
  return params.name === undefined ? undefined : toolMatcher(c, params.name, [...at, "name"], ctx);
}

function toolMatcher(
  c: Checker,
  spec: unknown,
  path: ValuePath,
  ctx: McpRuleContext,
): QueryMatcherSpec | undefined {
  if (!matcherOk(spec)) {
    return void c.report(path, `Tool matcher must be a glob string, {glob: "..."} or {any: [...]}`);
  }
  const globs = matcherGlobs(spec);
  const bad = globs.find((g) => g === "" || hasControl(g) || OPA_SYNTAX.test(g));
  if (bad !== undefined) {
    return void c.report(path, `Tool glob ${describe(bad)} may use only "*" as a wildcard`);
  }
  if (!ctx.strict && globs.some((g) => g.includes("*"))) {
    return void c.report(path, `Tool globs need "mcp.strict_tool_names" left on`);
  }
  return spec;
}

function matcherOk(spec: unknown): spec is QueryMatcherSpec {
  if (typeof spec === "string") return true;
  if (!isMap(spec) || Object.keys(spec).length !== 1) return false;
  if ("glob" in spec) return typeof spec.glob === "string";
  return Array.isArray(spec.any) && spec.any.length > 0 &&
    spec.any.every((g) => typeof g === "string");
}

/** Validate the `mcp:` stanza into `ep` and the MCP endpoint-level rules. */
export function validateMcpKeys(c: Checker, raw: PlainMap, path: ValuePath, ep: Endpoint): void {
  const mcp = raw.protocol === "mcp";
  if (raw.mcp !== undefined) {
    const options = mcpOptions(c, raw.mcp, [...path, "mcp"], mcp);
    if (options !== undefined && mcp) ep.mcp = options;
  }
  if (!mcp) return;
  const allowAll = mcpContext(raw).allowAll;
  if (raw.host === undefined) c.report(path, `"protocol: mcp" needs "host"`, "key");
  mcpToolConflicts(c, raw, path, allowAll);
  if (raw.access !== undefined) {
    c.report(
      [...path, "access"],
      `"protocol: mcp" takes no access preset: write rules, or set ` +
        `"mcp.allow_all_known_mcp_methods: true"`,
      "key",
    );
  } else if (raw.rules === undefined && !allowAll) {
    c.report(
      [...path, "protocol"],
      `"protocol: mcp" needs "rules" unless "mcp.allow_all_known_mcp_methods: true"`,
      "key",
    );
  }
}

function mcpOptions(
  c: Checker,
  value: unknown,
  path: ValuePath,
  mcp: boolean,
): McpOptions | undefined {
  if (!c.map(value, path, `Key "mcp"`)) return undefined;
  c.knownKeys(
    value,
    ["max_body_bytes", "strict_tool_names", "allow_all_known_mcp_methods"],
    path,
    "mcp",
  );
  const out: McpOptions = {};
  for (const key of ["strict_tool_names", "allow_all_known_mcp_methods"] as const) {
    const v = c.boolean(value, key, path);
    if (v !== undefined) out[key] = v;
    if (v !== undefined && !mcp) {
      c.report([...path, key], `"mcp.${key}" is only valid with "protocol: mcp"`, "key");
    }
  }
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
  if (!mcp) c.warn([...path, "max_body_bytes"], `Ignored unless "protocol: mcp"`, "key");
  return out;
}
