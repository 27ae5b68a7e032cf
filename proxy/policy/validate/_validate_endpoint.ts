/**
 * Validation of one endpoint from a plain value: keys, host, ports, protocol and the
 * cross-key rules OpenShell applies (with its warnings for accepted but doubtful input).
 *
 * @module
 */

import { type Checker, describe, type PlainMap, type ValuePath } from "./_checker.ts";
import { hostPatternProblem } from "../host/mod.ts";
import { validateAllowedIp } from "./_validate_allowed_ip.ts";
import { ACCESS_PRESETS } from "../model/mod.ts";
import type { Endpoint, GraphqlMatch, L7Match, McpMatch } from "../model/mod.ts";
import {
  type AllowMatcher,
  pathPatternProblem,
  validateAllow,
  validateMatch,
} from "./_validate_match.ts";
import { unsupportedKeys, unsupportedProtocol } from "./_unsupported.ts";
import { tcpChecks } from "./_validate_tcp.ts";
import { websocketGraphqlChecks, websocketMatcher } from "./_validate_websocket.ts";
import {
  GRAPHQL_ENDPOINT_KEYS,
  validateGraphqlKeys,
  validateGraphqlMatch,
} from "./_validate_graphql.ts";
import { MCP_ENDPOINT_KEYS, mcpMatcher, validateMcpKeys } from "./_validate_mcp.ts";
import {
  JSON_RPC_ENDPOINT_KEYS,
  JSON_RPC_REPORTED_KEYS,
  jsonRpcMatcher,
  validateJsonRpcKeys,
} from "./_validate_json_rpc.ts";

const ENDPOINT_KEYS = [
  "host",
  "path",
  "port",
  "ports",
  "protocol",
  "enforcement",
  "access",
  "rules",
  "deny_rules",
  "tls",
  "allowed_ips",
  "allow_encoded_slash",
  ...GRAPHQL_ENDPOINT_KEYS,
  ...MCP_ENDPOINT_KEYS,
  ...JSON_RPC_ENDPOINT_KEYS,
  ...JSON_RPC_REPORTED_KEYS,
] as const;

/** Validate an endpoint; returns it only when no problem was found in it. */
export function validateEndpoint(
  c: Checker,
  value: unknown,
  path: ValuePath,
): Endpoint | undefined {
  const before = c.problems.length;
  if (!c.map(value, path, "Endpoint")) return undefined;
  const raw = lowerProtocol(c, value, path);
  // One line for an endpoint of a protocol Tollgate does not inspect: its rules are written
  // for that protocol (MCP methods, WebSocket messages), so checking them as REST only adds noise.
  const noInspection = typeof raw.protocol === "string" && unsupportedProtocol(raw.protocol);
  if (noInspection) return void c.report([...path, "protocol"], noInspection);
  const unsupported = unsupportedKeys(c, raw, path);
  c.knownKeys(raw, [...ENDPOINT_KEYS, ...unsupported], path, "endpoint");
  const ep: Endpoint = {};
  const host = c.string(raw, "host", path);
  if (host !== undefined) {
    const problem = hostPatternProblem(host);
    if (problem) c.report([...path, "host"], problem);
    ep.host = host;
  } else if (raw.host === undefined && raw.allowed_ips === undefined) {
    c.report(path, `Endpoint needs "host" (it may be omitted only with "allowed_ips")`, "key");
  }
  validatePorts(c, raw, path, ep);
  assign(ep, "path", endpointPath(c, raw, path));
  assign(ep, "protocol", protocolOf(c, raw, path));
  assign(
    ep,
    "enforcement",
    c.choice(raw, "enforcement", ["enforce", "audit"] as const, path, "enforcement"),
  );
  assign(ep, "access", accessOf(c, raw, path));
  const tlsModes = ["skip", "terminate", "passthrough"] as const;
  assign(ep, "tls", c.choice(raw, "tls", tlsModes, path, "tls mode"));
  assign(ep, "allow_encoded_slash", c.boolean(raw, "allow_encoded_slash", path));
  const matcher = matcherOf(raw);
  const matchOf = matcher.match;
  const rules = c.list(raw, "rules", path)?.map((r, i) =>
    validateAllow(c, r, [...path, "rules", i], matcher)
  );
  if (rules) ep.rules = rules as Endpoint["rules"];
  const deny = c.list(raw, "deny_rules", path)?.map((r, i) =>
    matchOf(c, r, [...path, "deny_rules", i])
  );
  if (deny) ep.deny_rules = deny as Endpoint["deny_rules"];
  validateGraphqlKeys(c, raw, path, ep);
  validateMcpKeys(c, raw, path, ep);
  validateJsonRpcKeys(c, raw, path, ep);
  const ips = c.list(raw, "allowed_ips", path);
  if (ips) {
    ep.allowed_ips = ips.map((ip, i) => validateAllowedIp(c, ip, [...path, "allowed_ips", i]));
  }
  crossChecks(c, raw, path);
  if (raw.protocol === "tcp") tcpChecks(c, raw, path);
  websocketGraphqlChecks(c, raw, path);
  return c.problems.length === before ? ep : undefined;
}

// A GraphQL endpoint's rules match operations, an MCP or JSON-RPC one's calls; others match
// requests (a WebSocket one's also its client text messages, as WEBSOCKET_TEXT).
function matcherOf(raw: PlainMap): AllowMatcher<L7Match | GraphqlMatch | McpMatch> {
  if (raw.protocol === "graphql") {
    return { match: validateGraphqlMatch, example: "{operation_type: query}" };
  }
  if (raw.protocol === "mcp") return mcpMatcher(raw);
  if (raw.protocol === "json-rpc") return jsonRpcMatcher;
  if (raw.protocol === "websocket") return websocketMatcher;
  return { match: validateMatch, example: "{method: ..., path: ...}" };
}

/**
 * OpenShell reads `protocol` case-insensitively (`L7Protocol::parse`, Rego's `lower(protocol)`),
 * so `REST` is `rest` there: the endpoint is validated and kept with the lower-case spelling.
 */
function lowerProtocol(c: Checker, raw: PlainMap, path: ValuePath): PlainMap {
  const protocol = raw.protocol;
  if (typeof protocol !== "string" || protocol === protocol.toLowerCase()) return raw;
  const lower = protocol.toLowerCase();
  c.warn(
    [...path, "protocol"],
    `Protocol ${describe(protocol)} is read as "${lower}": write it so`,
  );
  return { ...raw, protocol: lower };
}

function assign<K extends keyof Endpoint>(
  ep: Endpoint,
  key: K,
  value: Endpoint[K] | undefined,
): void {
  if (value !== undefined) ep[key] = value;
}

function protocolOf(c: Checker, raw: PlainMap, path: ValuePath): Endpoint["protocol"] {
  const protocols = ["rest", "websocket", "graphql", "mcp", "json-rpc", "tcp"] as const;
  return c.choice(raw, "protocol", protocols, path, "protocol");
}

function accessOf(c: Checker, raw: PlainMap, path: ValuePath): Endpoint["access"] {
  if (raw.access === "allow") {
    // OpenShell ignores a preset it does not know (l7/mod.rs expand_access_presets): the
    // endpoint then allows no request. Same here, loudly.
    c.warn(
      [...path, "access"],
      `Unsupported access preset "allow" ignored: this endpoint allows no request; use "read-only", "read-write" or "full"`,
    );
    return "allow";
  }
  return c.choice(raw, "access", ACCESS_PRESETS, path, "access preset");
}

function endpointPath(c: Checker, raw: PlainMap, path: ValuePath): string | undefined {
  const p = c.string(raw, "path", path);
  if (p === undefined) return undefined;
  const problem = pathPatternProblem(p);
  if (problem) c.report([...path, "path"], `Endpoint path: ${problem}`);
  else if (raw.protocol === undefined) {
    c.warn([...path, "path"], `Endpoint "path" is ignored without "protocol: rest"`, "key");
  }
  return p;
}

function validatePorts(c: Checker, raw: PlainMap, path: ValuePath, ep: Endpoint): void {
  if (raw.port !== undefined && raw.ports !== undefined) {
    c.report([...path, "ports"], `Use either "port" or "ports", not both`, "key");
  }
  if (raw.port === undefined && raw.ports === undefined) {
    c.report(path, `Endpoint needs "port" or "ports"`, "key");
  }
  if (raw.port !== undefined && portOk(c, raw.port, [...path, "port"])) {
    ep.port = raw.port as number;
  }
  const ports = c.list(raw, "ports", path);
  if (ports && ports.length === 0) c.report([...path, "ports"], `Key "ports" must not be empty`);
  if (ports && ports.every((p, i) => portOk(c, p, [...path, "ports", i]))) {
    ep.ports = ports as number[];
  }
}

function portOk(c: Checker, value: unknown, path: ValuePath): boolean {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535) {
    return true;
  }
  c.report(path, `Port ${describe(value)} must be an integer from 1 to 65535`);
  return false;
}

function crossChecks(c: Checker, raw: PlainMap, path: ValuePath): void {
  const l7 = raw.protocol !== undefined && raw.protocol !== "tcp";
  // An MCP endpoint may allow by its method profile alone (validateMcpKeys); a JSON-RPC one
  // says what it needs itself (validateJsonRpcKeys).
  const family = raw.protocol === "mcp" || raw.protocol === "json-rpc";
  if (l7 && !family && raw.access === undefined && raw.rules === undefined) {
    c.report([...path, "protocol"], `Key "protocol" needs "access" or "rules"`, "key");
  }
  if (raw.protocol === undefined) {
    for (const key of ["access", "rules", "deny_rules"]) {
      if (raw[key] !== undefined) {
        c.report([...path, key], `Key "${key}" needs "protocol: rest"`, "key");
      }
    }
  }
  if (raw.access !== undefined && raw.rules !== undefined) {
    c.report([...path, "rules"], `Use either "access" or "rules", not both`, "key");
  }
  for (const key of ["rules", "deny_rules"]) {
    // OpenShell: an empty `rules` would deny all, an empty `deny_rules` would do nothing.
    if (Array.isArray(raw[key]) && raw[key].length === 0) {
      c.report([...path, key], `Key "${key}" must not be empty`);
    }
  }
  tlsWarnings(c, raw, path, l7);
}

function tlsWarnings(c: Checker, raw: PlainMap, path: ValuePath, l7: boolean): void {
  if (raw.tls === "terminate" || raw.tls === "passthrough") {
    c.warn(
      [...path, "tls"],
      `"tls: ${raw.tls}" is deprecated and has no effect (TLS is detected automatically); remove it, or use "tls: skip" to never decrypt`,
    );
  } else if (raw.tls === "skip" && l7) {
    // OpenShell tunnels such an endpoint blind (its rules unenforced); Tollgate keeps the
    // rules and inspects anyway, so a rule never silently turns into a blanket grant.
    c.warn(
      [...path, "tls"],
      `"tls: skip" is ignored on an endpoint with "protocol": its rules are enforced, so Tollgate inspects its traffic`,
    );
  }
}
