/**
 * The breadth checks of a proposed rule: what it grants beyond one host, one API call and one
 * program. Every finding here is a `warn`: a person may still approve it, but nothing that
 * approves only finding-free proposals (`examples/approve_pending.ts`, auto-approval) will.
 *
 * @module
 */

import { type Endpoint, matcherGlobs, mcpRules, restAllows } from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import { visibleText } from "../repo/mod.ts";

/** Ports where an L4 grant is almost always an HTTP API that L7 rules could narrow. */
const HTTP_PORTS = new Set([80, 443]);
/** Methods that change state on the server. */
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE", "*"]);
/** Literal path segments a `**` must follow before a write rule counts as narrow. */
const NARROW_WRITE_DEPTH = 2;
/**
 * Programs that run other programs: interpreters, shells and exec wrappers. A rule for one
 * grants whatever script it runs, and (a binary matches any ancestor) every process it starts.
 */
const RUNS_ANYTHING =
  /^(?:python|pypy|node|nodejs|deno|bun|perl|ruby|php|lua|luajit|tclsh|wish|pwsh|rscript|r|java|osascript|bash|sh|dash|ash|zsh|ksh|mksh|fish|csh|tcsh|busybox|env|xargs|nice|nohup|timeout|stdbuf|setsid|sudo|doas|su|chroot|nsenter|unshare|strace|ltrace|gdb|awk|gawk|mawk|nawk)(?:[\d.]*(?:-[a-z\d.]*)?)?$/i;

/**
 * Breadth findings of one endpoint: wildcard host, `access: full` or `read-write`, any
 * method, every path, writes under a `**` near the root, TLS skipped, audit only.
 *
 * @param e The endpoint (already validated).
 * @param at Where it is in the rule, e.g. `endpoints[0]`.
 * @returns One `warn` finding per breadth problem, in a fixed order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endpointBreadthFindings } from "./_breadth_findings.ts";
 * const rule = { allow: { method: "PUT", path: "/repos/**" } };
 * const found = endpointBreadthFindings({ host: "example.com", port: 443, rules: [rule] }, "e");
 * assert(found.some((f) => f.code === "broad_write_path"));
 * ```
 */
export function endpointBreadthFindings(e: Endpoint, at: string): Finding[] {
  const out: Finding[] = [];
  const host = visibleText(e.host ?? "", 100);
  if (host.includes("*")) out.push(warn("wildcard_host", `${at} host ${host} is a wildcard`));
  if (e.access === "full") out.push(warn("access_full", `${at} grants access: full on ${host}`));
  if (e.access === "read-write") {
    out.push(
      warn("access_read_write", `${at} grants POST, PUT and PATCH on every path of ${host}`),
    );
  }
  const matchers = restAllows(e);
  if (matchers.some((m) => m.method === "*")) {
    out.push(warn("method_any", `${at} allows any method (*) on ${host}`));
  }
  if (matchers.some((m) => everyPath(m.path))) {
    out.push(warn("path_root_glob", `${at} allows every path (** at the root) on ${host}`));
  }
  const broadWrite = matchers.find((m) =>
    WRITE_METHODS.has(m.method.toUpperCase()) && literalDepthBeforeGlobstar(m.path) <
      NARROW_WRITE_DEPTH
  );
  if (broadWrite) {
    const rule = visibleText(`${broadWrite.method} ${broadWrite.path}`, 120);
    out.push(warn("broad_write_path", `${at} allows ${rule}: writes under ** near the root`));
  }
  out.push(...mcpBreadthFindings(e, at, host));
  if (e.tls === "skip") out.push(warn("tls_skip", `${at} skips TLS inspection on ${host}`));
  if (e.enforcement === "audit") out.push(warn("audit_mode", `${at} is audit-only`));
  if (e.allow_encoded_slash) {
    out.push(warn(
      "encoded_slash",
      `${at} keeps %2F in paths on ${host}: "*" then matches "a%2Fb", which an origin that ` +
        `decodes first reads as "a/b"`,
    ));
  }
  return out;
}

/** An MCP endpoint's breadth: every method, tool globs, tool names left unchecked. */
function mcpBreadthFindings(e: Endpoint, at: string, host: string): Finding[] {
  if (e.protocol === "json-rpc") return jsonRpcBreadthFindings(e, at, host);
  if (e.protocol !== "mcp") return [];
  const out: Finding[] = [];
  if (e.mcp?.allow_all_known_mcp_methods) {
    out.push(warn(
      "mcp_all_methods",
      `${at} allows every MCP method on ${host} (allow_all_known_mcp_methods), every tool ` +
        "unless a rule names tools",
    ));
  }
  const tools = mcpRules(e).allow.flatMap((m) => {
    const spec = m.tool ?? m.params?.name;
    return spec === undefined ? [] : matcherGlobs(spec);
  });
  const glob = tools.find((t) => t.includes("*"));
  if (glob !== undefined) {
    out.push(warn("mcp_tool_glob", `${at} allows MCP tools ${visibleText(glob, 80)} on ${host}`));
  }
  if (e.mcp?.strict_tool_names === false) {
    out.push(warn("mcp_loose_tool_names", `${at} turns strict_tool_names off on ${host}`));
  }
  return out;
}

/** A JSON-RPC endpoint's breadth: `method: "*"` allows every method the server has. */
function jsonRpcBreadthFindings(e: Endpoint, at: string, host: string): Finding[] {
  if (!mcpRules(e).allow.some((m) => m.method === "*")) return [];
  return [
    warn("json_rpc_all_methods", `${at} allows every JSON-RPC method on ${host} (method "*")`),
  ];
}

/**
 * The finding of an L4 grant on an HTTP port (80, 443): a whole host where `protocol: rest`
 * rules would name the calls. (When the host already has an L7 endpoint, the caller's more
 * specific `use_l7_not_l4` finding says so instead.)
 *
 * @param e The endpoint (already validated).
 * @param at Where it is in the rule, e.g. `endpoints[0]`.
 * @returns A `warn` finding `use_l7_not_l4`, or undefined.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { l4OnHttpPortFinding } from "./_breadth_findings.ts";
 * const found = l4OnHttpPortFinding({ host: "example.com", port: 443 }, "endpoints[0]");
 * assert.equal(found?.code, "use_l7_not_l4");
 * ```
 */
export function l4OnHttpPortFinding(e: Endpoint, at: string): Finding | undefined {
  if (["rest", "websocket", "graphql", "mcp", "json-rpc"].includes(e.protocol ?? "")) {
    return undefined;
  }
  const ports = e.ports ?? (e.port === undefined ? [] : [e.port]);
  const port = ports.find((p) => HTTP_PORTS.has(p));
  if (port === undefined) return undefined;
  const host = visibleText(e.host ?? "", 100);
  return warn(
    "use_l7_not_l4",
    `${at} is an L4 grant on ${host}:${port}, a whole HTTP host; use protocol: rest rules`,
  );
}

/**
 * The breadth finding of one binary path: a glob, or a program that runs other programs
 * (basename match, versions included: `python3.11`, `perl5.36`, `node20`).
 *
 * @param path The binary path (absolute).
 * @returns A `warn` finding, or undefined when the path names one ordinary program.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { binaryBreadthFinding } from "./_breadth_findings.ts";
 * assert.equal(binaryBreadthFinding("/usr/bin/python3.11")?.code, "interpreter_binary");
 * assert.equal(binaryBreadthFinding("/usr/bin/curl"), undefined);
 * ```
 */
export function binaryBreadthFinding(path: string): Finding | undefined {
  const shown = visibleText(path, 200);
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (RUNS_ANYTHING.test(base)) {
    return warn(
      "interpreter_binary",
      `binary ${shown} runs other programs (interpreter, shell or wrapper): the rule covers ` +
        `every script it runs and every process it starts`,
    );
  }
  if (path.includes("*")) return warn("broad_binary", `binary ${shown} is a glob`);
  return undefined;
}

function everyPath(path: string): boolean {
  // `**`, `/**`, `/*/**`, `/*/*/**`: nothing but wildcards up to a final `**`.
  return /^\/?(?:\*\/)*\*\*$/.test(path);
}

/** How many literal (wildcard-free) segments come before the first `**` (Infinity if none). */
function literalDepthBeforeGlobstar(path: string): number {
  const segments = path.split("/").filter((s) => s !== "");
  const globstar = segments.findIndex((s) => s.includes("**"));
  if (globstar === -1) return Infinity;
  return segments.slice(0, globstar).filter((s) => !s.includes("*")).length;
}

function warn(code: string, message: string): Finding {
  return { code, severity: "warn", message };
}
