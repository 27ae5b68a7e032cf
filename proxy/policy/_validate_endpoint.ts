/**
 * Validation of one endpoint and its L7 matchers from a plain value.
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
import { hostPatternProblem } from "./host_pattern.ts";
import { cidrsOverlap, FORBIDDEN_ALLOWED_RANGES, parseCidr } from "./ip.ts";
import { ACCESS_PRESETS, HTTP_METHODS } from "./presets.ts";
import type { Endpoint, L7Match, QueryMatcherSpec } from "./types.ts";
import { matcherGlobs } from "./_query.ts";

const ENDPOINT_KEYS = [
  "host",
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
] as const;

/** Validate an endpoint; returns it only when no problem was found in it. */
export function validateEndpoint(c: Checker, raw: unknown, path: ValuePath): Endpoint | undefined {
  const before = c.problems.length;
  if (!c.map(raw, path, "Endpoint")) return undefined;
  c.knownKeys(raw, ENDPOINT_KEYS, path, "endpoint");
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
  assign(ep, "protocol", c.choice(raw, "protocol", ["rest"] as const, path, "protocol"));
  assign(
    ep,
    "enforcement",
    c.choice(raw, "enforcement", ["enforce", "audit"] as const, path, "enforcement"),
  );
  assign(ep, "access", c.choice(raw, "access", ACCESS_PRESETS, path, "access preset"));
  assign(ep, "tls", c.choice(raw, "tls", ["skip"] as const, path, "tls mode"));
  assign(ep, "allow_encoded_slash", c.boolean(raw, "allow_encoded_slash", path));
  const rules = c.list(raw, "rules", path)?.map((r, i) =>
    validateAllow(c, r, [...path, "rules", i])
  );
  if (rules) ep.rules = rules as { allow: L7Match }[];
  const deny = c.list(raw, "deny_rules", path)?.map((r, i) =>
    validateMatch(c, r, [...path, "deny_rules", i])
  );
  if (deny) ep.deny_rules = deny as L7Match[];
  const ips = c.list(raw, "allowed_ips", path);
  if (ips) {
    ep.allowed_ips = ips.map((ip, i) => validateAllowedIp(c, ip, [...path, "allowed_ips", i]));
  }
  crossChecks(c, raw, path);
  return c.problems.length === before ? ep : undefined;
}

function assign<K extends keyof Endpoint>(
  ep: Endpoint,
  key: K,
  value: Endpoint[K] | undefined,
): void {
  if (value !== undefined) ep[key] = value;
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
  if (raw.protocol !== undefined && raw.access === undefined && raw.rules === undefined) {
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
  if (Array.isArray(raw.rules) && raw.rules.length === 0) {
    c.report([...path, "rules"], `Key "rules" must not be empty`);
  }
  if (raw.tls === "skip" && raw.protocol !== undefined) {
    c.report(
      [...path, "tls"],
      `Endpoint with "tls: skip" cannot use "protocol": traffic it does not decrypt cannot be inspected`,
    );
  }
}

function validateAllow(c: Checker, raw: unknown, path: ValuePath): { allow: L7Match } | undefined {
  if (!c.map(raw, path, "Rule entry")) return undefined;
  if (raw.allow === undefined) {
    // One clear problem rather than one per stray key: the usual slip is a missing `allow:`.
    c.report(path, `Rule entry needs "allow": write "- allow: {method: ..., path: ...}"`, "key");
    return undefined;
  }
  c.knownKeys(raw, ["allow"], path, "rule entry");
  const allow = validateMatch(c, raw.allow, [...path, "allow"]);
  return allow && { allow };
}

/** Validate `{method, path, query?}` (an allow or a deny matcher). */
export function validateMatch(c: Checker, raw: unknown, path: ValuePath): L7Match | undefined {
  const before = c.problems.length;
  if (!c.map(raw, path, "Matcher")) return undefined;
  c.knownKeys(raw, ["method", "path", "query"], path, "matcher");
  for (const key of ["method", "path"]) {
    if (raw[key] === undefined) c.report(path, `Missing required key "${key}"`, "key");
  }
  const method = c.string(raw, "method", path);
  if (method !== undefined && method !== "*" && !HTTP_METHODS.includes(method.toUpperCase())) {
    c.report([...path, "method"], `Unknown method ${describe(method)}`);
  }
  const p = c.string(raw, "path", path);
  const problem = p === undefined ? undefined : pathPatternProblem(p);
  if (problem) c.report([...path, "path"], problem);
  const query = validateQuery(c, raw.query, [...path, "query"]);
  if (c.problems.length !== before || method === undefined || p === undefined) return undefined;
  return query ? { method, path: p, query } : { method, path: p };
}

/** The problem with an L7 path pattern, if any (never echoes a value holding `?`). */
export function pathPatternProblem(p: string): string | undefined {
  if (p.includes("?")) return `Path must not contain "?": match query parameters with "query"`;
  if (p !== "**" && !p.startsWith("/")) return `Path ${describe(p)} must start with "/" or be "**"`;
  if (!/^[\x21-\x7e]*$/.test(p) || p.includes("#")) {
    return `Path must be printable ASCII without spaces or "#"`;
  }
  if (p.length > 4096) return `Path must be at most 4096 characters`;
  return undefined;
}

function validateQuery(
  c: Checker,
  raw: unknown,
  path: ValuePath,
): Record<string, QueryMatcherSpec> | undefined {
  if (raw === undefined) return undefined;
  if (!isMap(raw)) {
    c.report(path, `Key "query" must be a map of parameter name to matcher, got ${describe(raw)}`);
    return undefined;
  }
  const out: Record<string, QueryMatcherSpec> = {};
  for (const [key, spec] of Object.entries(raw)) {
    if (hasControl(key) || (queryMatcherOk(spec) && matcherGlobs(spec).some(hasControl))) {
      c.report([...path, key], `Query matcher must not contain control characters`);
    } else if (queryMatcherOk(spec)) out[key] = spec;
    else {
      c.report(
        [...path, key],
        `Query matcher for ${
          describe(key)
        } must be a glob string, {glob: "..."} or {any: ["...", ...]}`,
      );
    }
  }
  return out;
}

function queryMatcherOk(spec: unknown): spec is QueryMatcherSpec {
  if (typeof spec === "string") return true;
  if (!isMap(spec) || Object.keys(spec).length !== 1) return false;
  if ("glob" in spec) return typeof spec.glob === "string";
  return Array.isArray(spec.any) && spec.any.length > 0 &&
    spec.any.every((g) => typeof g === "string");
}

function validateAllowedIp(c: Checker, raw: unknown, path: ValuePath): string {
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string") {
    c.report(path, `Allowed IP must be a string, got ${describe(raw)}`);
    return "";
  }
  const cidr = parseCidr(text);
  if (!cidr) c.report(path, `Invalid IP or CIDR ${describe(text)}`);
  else if (FORBIDDEN_ALLOWED_RANGES.some((f) => cidrsOverlap(cidr, parseCidr(f)!))) {
    c.report(
      path,
      `Allowed IP range ${describe(text)} overlaps loopback, link-local or unspecified addresses`,
    );
  }
  return text;
}
