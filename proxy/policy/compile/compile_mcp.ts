/**
 * Compile the JSON-RPC side of a `protocol: mcp` endpoint: its call matchers (a rule without
 * `method` normalised as OpenShell does: `tools/call` when it names a tool, any method
 * otherwise), the method profile, the tool-name rule and the body cap; and of a
 * `protocol: json-rpc` endpoint, whose rules name a method exactly or `*` (OpenShell's Rego
 * compares generic JSON-RPC methods with `==`, no glob).
 *
 * @module
 */

import type { CompiledMcp, CompiledMcpMatch } from "../model/mod.ts";
import { compilePathGlob, compileStringGlob, type GlobMatcher } from "../glob/mod.ts";
import { matcherGlobs } from "./_query.ts";
import { mcpRules } from "../model/mod.ts";
import { MCP_DEFAULT_MAX_BODY_BYTES } from "../rpc/mod.ts";
import type { Endpoint, McpMatch } from "../model/mod.ts";

/**
 * Compile an MCP endpoint's matchers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileMcp } from "./compile_mcp.ts";
 * const m = compileMcp({ host: "h", port: 443, protocol: "mcp",
 *   rules: [{ allow: { method: "tools/call", tool: "search_*" } }] });
 * assert(m.allow[0]!.tool!("search_web") && !m.allow[0]!.tool!("delete_repo"));
 * assert(m.narrowsTools && !m.allowAll && m.maxBodyBytes === 65536);
 * ```
 */
export function compileMcp(ep: Endpoint): CompiledMcp {
  const rules = mcpRules(ep);
  if (ep.protocol === "json-rpc") {
    return {
      kind: "json-rpc",
      allow: rules.allow.map(compileJsonRpcMatch),
      deny: rules.deny.map(compileJsonRpcMatch),
      allowAll: false,
      narrowsTools: false,
      strictToolNames: false,
      maxBodyBytes: ep.json_rpc?.max_body_bytes ?? MCP_DEFAULT_MAX_BODY_BYTES,
    };
  }
  const allow = rules.allow.map((m) => compileMcpMatch(m, false));
  return {
    kind: "mcp",
    allow,
    deny: rules.deny.map((m) => compileMcpMatch(m, true)),
    allowAll: ep.mcp?.allow_all_known_mcp_methods === true,
    narrowsTools: allow.some((m) => m.tool !== undefined),
    strictToolNames: ep.mcp?.strict_tool_names !== false,
    // OpenShell keeps one JSON-RPC-family cap and prefers the `mcp:` stanza's.
    maxBodyBytes: ep.mcp?.max_body_bytes ?? ep.json_rpc?.max_body_bytes ??
      MCP_DEFAULT_MAX_BODY_BYTES,
  };
}

// Generic JSON-RPC: `*` is the any-method sentinel, anything else an exact method name.
function compileJsonRpcMatch(m: McpMatch): CompiledMcpMatch {
  const want = m.method;
  return { method: want === "*" ? () => true : (name) => name === want };
}

function compileMcpMatch(m: McpMatch, deny: boolean): CompiledMcpMatch {
  const spec = m.tool ?? m.params?.name;
  // Allow globs stop at "." as OPA's glob.match does by default; a deny glob crosses it, so a
  // deny fires on at least what it fires on in OpenShell.
  const compile = deny ? compileStringGlob : (g: string) => compilePathGlob(g, ".");
  const out: CompiledMcpMatch = { method: compileMethod(m.method, spec !== undefined, compile) };
  if (spec !== undefined) {
    const globs = matcherGlobs(spec).map(compile);
    out.tool = (name) => globs.some((g) => g(name));
  }
  return out;
}

// A rule without `method` (allowed only with the method profile) is normalised as OpenShell
// does: `tools/call` when it names a tool, any method otherwise.
function compileMethod(
  method: string | undefined,
  namesTool: boolean,
  compile: (glob: string) => GlobMatcher,
): GlobMatcher {
  if (method !== undefined) return compile(method);
  return namesTool ? (x) => x === "tools/call" : () => true;
}
