/**
 * The checks run on every proposal at submit and again at approval: schema, breadth,
 * forbidden targets, L4-where-L7-exists, and coverage by the current policy. Pure: the caller
 * passes the current policy.
 *
 * @module
 */

import type { Endpoint, NetworkRule } from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import { idnHostFindings } from "./_idn_finding.ts";
import { writableBinaryFinding } from "./_writable_binary.ts";
import {
  classifyAddress,
  isIpLiteral,
  isRestShaped,
  type LoadedPolicy,
  lookupGrants,
  policyCoversRule,
} from "../../proxy/policy/mod.ts";
import { validateProposedRule } from "./validate_proposed_rule.ts";
import {
  binaryBreadthFinding,
  endpointBreadthFindings,
  l4OnHttpPortFinding,
} from "./_breadth_findings.ts";
import { visibleText } from "../repo/mod.ts";
import { misreadFindings, nameTakenFinding } from "./_misread_findings.ts";
import { narrowsL4Finding } from "./_narrowing_findings.ts";
import { authorityFindings, type CeilingView } from "../authority/mod.ts";

/** What the checks conclude about one proposed rule. */
export interface CheckResult {
  /** The rule as it will be written (e.g. `enforcement: enforce` filled in); absent when invalid. */
  rule?: NetworkRule;
  /** Every finding, in check order. */
  findings: Finding[];
  /** True when some finding has severity `refuse`. */
  refused: boolean;
}

/** Host names that always reach the local machine or a cloud metadata service. */
const FORBIDDEN_NAMES =
  /^(localhost|.*\.localhost|metadata|metadata\.google\.internal|instance-data|instance-data\.ec2\.internal)\.?$/i;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function hasControlText(value: unknown): boolean {
  if (typeof value === "string") return CONTROL.test(value);
  if (Array.isArray(value)) return value.some(hasControlText);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).some(([k, v]) => CONTROL.test(k) || hasControlText(v));
  }
  return false;
}

function portsOf(e: Endpoint): number[] {
  return e.ports ?? (e.port === undefined ? [] : [e.port]);
}

function targetFinding(e: Endpoint): Finding | undefined {
  const host = (e.host ?? "").replace(/^\[|\]$/g, "");
  const shown = visibleText(host, 100);
  if (e.allowed_ips?.length) {
    // A host-less endpoint is all allowed_ips: name the addresses instead of an empty host.
    const where = host === "" ? visibleText((e.allowed_ips ?? []).join(", "), 100) : shown;
    return refuse("private_target", `allowed_ips on ${where} would open private addresses`);
  }
  if (FORBIDDEN_NAMES.test(host)) {
    return refuse("private_target", `${shown} is a local or metadata host`);
  }
  if (/^policy\.local\.?$/i.test(host)) {
    // Served by the proxy before any rule; a grant would send the name to the host's resolver.
    const detail = "is the proxy's own API, always reached at http://policy.local/ without a rule";
    return refuse("policy_local_target", `${shown} ${detail}`);
  }
  if (isIpLiteral(host)) {
    const kind = classifyAddress(host);
    if (kind !== "public") return refuse("private_target", `${shown} is a ${kind} address`);
  }
  return undefined;
}

function refuse(code: string, message: string): Finding {
  return { code, severity: "refuse", message };
}

function warn(code: string, message: string): Finding {
  return { code, severity: "warn", message };
}

function l7ElsewhereFinding(e: Endpoint, at: string, current: LoadedPolicy): Finding | undefined {
  if (L7_PROTOCOLS.includes(e.protocol ?? "")) return undefined;
  const host = e.host?.toLowerCase();
  const key = l7RuleOn(host, portsOf(e), current);
  if (key === undefined) return undefined;
  const where = `${visibleText(e.host ?? "", 100)} (rule ${key})`;
  return warn("use_l7_not_l4", `${at} is an L4 grant on ${where}, which has an L7 endpoint`);
}

/** Protocols whose endpoints are inspected (L7). */
const L7_PROTOCOLS = ["rest", "websocket", "graphql", "mcp", "json-rpc"];

/** The first rule with an L7 (rest, websocket, graphql, mcp, json-rpc) endpoint on `host` and one of `ports`, if any. */
function l7RuleOn(
  host: string | undefined,
  ports: number[],
  current: LoadedPolicy,
): string | undefined {
  const l7 = (x: Endpoint) =>
    L7_PROTOCOLS.includes(x.protocol ?? "") && x.host?.toLowerCase() === host &&
    portsOf(x).some((p) => ports.includes(p));
  if (host === undefined || host.includes("*")) {
    // A host-less or wildcard grant (refused anyway) is not in the host index: read every rule.
    const rules = Object.entries(current.policy.network_policies);
    return rules.find(([, rule]) => rule.endpoints.some(l7))?.[0];
  }
  // The host index answers for an exact host: 10,000 rules are not read per proposal.
  const keys = ports.flatMap((port) =>
    lookupGrants(current.compiled, host, port).filter((g) => l7(g.endpoint)).map((g) => g.ruleKey)
  );
  return keys.sort()[0];
}

/** The rules that grant an exact host and port of `rule` (from the host index). */
function rulesOnHosts(rule: NetworkRule, current: LoadedPolicy): Record<string, NetworkRule> {
  const out: Record<string, NetworkRule> = {};
  if (rule.name === undefined) return out;
  for (const e of rule.endpoints) {
    const host = e.host?.toLowerCase();
    if (host === undefined || host.includes("*")) continue;
    for (const port of portsOf(e)) {
      for (const g of lookupGrants(current.compiled, host, port)) {
        out[g.ruleKey] = current.policy.network_policies[g.ruleKey]!;
      }
    }
  }
  return out;
}

function withEnforcement(rule: NetworkRule, findings: Finding[]): NetworkRule {
  const endpoints = rule.endpoints.map((e, i) => {
    if (!isRestShaped(e.protocol) || e.enforcement !== undefined) return e;
    findings.push({
      code: "enforcement_defaulted",
      severity: "info",
      message: `endpoints[${i}] had no enforcement; set to enforce (fail closed)`,
    });
    return insertAfter(e, "protocol", "enforcement", "enforce");
  });
  return { ...rule, endpoints };
}

function insertAfter(e: Endpoint, after: string, key: string, value: string): Endpoint {
  // Rebuild to keep a readable key order in the written YAML.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    out[k] = v;
    if (k === after) out[key] = value;
  }
  return out as Endpoint;
}

/**
 * Run every check on a proposed rule against the current policy.
 *
 * @param raw the rule as the agent sent it (untrusted)
 * @param current the target policy as it is now
 * @param context the org ceiling, when there is one (or why it could not be read), and the
 *   proposing sandbox's working directory, which `include_workdir` makes writable
 * @returns the rule to write, the findings, and whether the proposal is refused
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPolicyText } from "../../proxy/policy/mod.ts";
 * import { checkProposedRule } from "./proposal_checks.ts";
 * const current = loadPolicyText("version: 1\n", "team.yaml");
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const checked = checkProposedRule(rule, current);
 * assert(!checked.refused);
 * assert(checked.findings.some((f) => f.code === "use_l7_not_l4"));
 * assert(checkProposedRule({ endpoints: "all" }, current).refused);
 * ```
 */
export function checkProposedRule(
  raw: unknown,
  current: LoadedPolicy,
  { ceiling, workdir }: { ceiling?: CeilingView; workdir?: string } = {},
): CheckResult {
  if (hasControlText(raw)) {
    const findings = [refuse("unsafe_text", "rule contains control characters")];
    return { findings, refused: true };
  }
  const { rule: valid, problems } = validateProposedRule(raw);
  if (!valid) {
    const findings = problems.map((p) => refuse("schema", visibleText(p, 300)));
    return { findings, refused: true };
  }
  const findings: Finding[] = [];
  const rule = withEnforcement(valid, findings);
  rule.endpoints.forEach((e, i) => {
    const at = `endpoints[${i}]`;
    const target = targetFinding(e);
    if (target) findings.push(target);
    findings.push(...endpointBreadthFindings(e, at));
    const l4 = l7ElsewhereFinding(e, at, current) ?? l4OnHttpPortFinding(e, at);
    if (l4) findings.push(l4);
    const narrows = narrowsL4Finding(rule, e, at, current);
    if (narrows) findings.push(narrows);
  });
  if (!rule.binaries) {
    findings.push(warn("any_binary", "rule lists no binaries: every process may use it"));
  }
  for (const b of rule.binaries ?? []) {
    if (!b.path.startsWith("/")) {
      findings.push(refuse("schema", `binary ${visibleText(b.path, 200)} is not absolute`));
    } else {
      const broad = binaryBreadthFinding(b.path);
      if (broad) findings.push(broad);
      const writable = writableBinaryFinding(b.path, current.policy, workdir);
      if (writable) findings.push(writable);
    }
  }
  findings.push(...misreadFindings(rule), ...idnHostFindings(rule));
  const taken = nameTakenFinding(rule, rulesOnHosts(rule, current));
  if (taken) findings.push(taken);
  if (policyCoversRule(current.compiled, rule)) {
    findings.push({
      code: "already_covered",
      severity: "info",
      message: "the current policy already allows everything this rule grants",
    });
  }
  findings.push(...authorityFindings(current.compiled, rule, ceiling));
  return { rule, findings, refused: findings.some((f) => f.severity === "refuse") };
}
