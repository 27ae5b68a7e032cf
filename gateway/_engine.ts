/**
 * The gateway's one binding to the policy engine (`proxy/policy/mod.ts`). Until the engine's
 * parse/validate/compile exports land, this file holds a small private stand-in with the same
 * names, so the rest of the gateway is written against the final interface.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parse } from "yaml";
import type { Endpoint, NetworkRule, Policy } from "../proxy/policy/mod.ts";

/** A validated and compiled policy, as the gateway needs it. */
export interface LoadedPolicy {
  policy: Policy;
  /** Opaque compiled form, only passed back to `policyCoversRule`. */
  compiled: unknown;
  /** Hex SHA-256 of the policy's content. */
  hash: string;
}

/** Thrown when policy text does not validate. */
export class PolicyTextError extends Error {
  override name = "PolicyTextError";
}

const RULE_KEYS = new Set(["name", "endpoints", "binaries"]);
const ENDPOINT_KEYS = new Set([
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
]);
const TOP_KEYS = new Set([
  "version",
  "revision",
  "network_policies",
  "filesystem_policy",
  "landlock",
  "process",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function endpointProblems(raw: unknown, at: string): string[] {
  if (!isRecord(raw)) return [`${at} must be a map`];
  const problems = Object.keys(raw).filter((k) => !ENDPOINT_KEYS.has(k)).map((k) =>
    `${at}.${k} is not a known key`
  );
  if (typeof raw.host !== "string" || raw.host === "") problems.push(`${at}.host is required`);
  const ports = raw.ports ?? (raw.port === undefined ? undefined : [raw.port]);
  if (!Array.isArray(ports) || ports.length === 0) {
    problems.push(`${at}.port or ${at}.ports is required`);
  } else if (!ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)) {
    problems.push(`${at}.port must be an integer in 1..65535`);
  }
  if (raw.protocol !== undefined && raw.protocol !== "rest") {
    problems.push(`${at}.protocol must be rest`);
  }
  if (raw.protocol === "rest" && raw.access === undefined && raw.rules === undefined) {
    problems.push(`${at} with protocol rest needs access or rules`);
  }
  return problems;
}

/**
 * Validate one rule as an agent proposed it.
 *
 * @example
 * ```ts
 * import { validateNetworkRule } from "./_engine.ts";
 * console.assert(validateNetworkRule({}).problems.length > 0);
 * ```
 */
export function validateNetworkRule(raw: unknown): { rule?: NetworkRule; problems: string[] } {
  if (!isRecord(raw)) return { problems: ["rule must be a map"] };
  const problems = Object.keys(raw).filter((k) => !RULE_KEYS.has(k)).map((k) =>
    `rule.${k} is not a known key`
  );
  if (!Array.isArray(raw.endpoints) || raw.endpoints.length === 0) {
    problems.push("rule.endpoints must contain at least one endpoint");
  } else {
    raw.endpoints.forEach((e, i) => problems.push(...endpointProblems(e, `endpoints[${i}]`)));
  }
  if (!Array.isArray(raw.binaries) || raw.binaries.length === 0) {
    problems.push("rule.binaries must contain at least one binary");
  } else if (!raw.binaries.every((b) => isRecord(b) && typeof b.path === "string")) {
    problems.push("rule.binaries[].path is required");
  }
  return problems.length ? { problems } : { rule: raw as unknown as NetworkRule, problems };
}

/**
 * Parse, validate and compile policy text.
 *
 * @throws {PolicyTextError} when the text is not a valid policy
 * @example
 * ```ts
 * import { loadPolicyText } from "./_engine.ts";
 * console.assert(loadPolicyText("version: 1\n", "x.yaml").policy.revision === 0);
 * ```
 */
export function loadPolicyText(text: string, file: string): LoadedPolicy {
  let raw: unknown;
  try {
    raw = parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new PolicyTextError(`${file}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (!isRecord(raw) || raw.version !== 1) throw new PolicyTextError(`${file}: version must be 1`);
  const unknown = Object.keys(raw).find((k) => !TOP_KEYS.has(k));
  if (unknown) throw new PolicyTextError(`${file}: unknown key "${unknown}"`);
  const rules = raw.network_policies ?? {};
  if (!isRecord(rules)) throw new PolicyTextError(`${file}: network_policies must be a map`);
  for (const [key, rule] of Object.entries(rules)) {
    const { problems } = validateNetworkRule(rule);
    if (problems.length) throw new PolicyTextError(`${file}: ${key}: ${problems[0]}`);
  }
  const revision = raw.revision ?? 0;
  if (!Number.isInteger(revision)) throw new PolicyTextError(`${file}: revision must be integer`);
  const policy = { ...raw, revision, network_policies: rules } as unknown as Policy;
  const hash = createHash("sha256").update(JSON.stringify(policy)).digest("hex");
  return { policy, compiled: policy, hash };
}

function portsOf(e: Endpoint): number[] {
  return e.ports ?? (e.port === undefined ? [] : [e.port]);
}

/**
 * True when every endpoint/binary of `rule` is already granted by some existing rule.
 *
 * @example
 * ```ts ignore
 * policyCoversRule(loaded.compiled, rule);
 * ```
 */
export function policyCoversRule(compiled: unknown, rule: NetworkRule): boolean {
  const policy = compiled as Policy;
  const existing = Object.values(policy.network_policies);
  return rule.endpoints.every((e) =>
    rule.binaries.every((b) =>
      existing.some((r) =>
        r.binaries.some((rb) => rb.path === b.path) &&
        r.endpoints.some((re) =>
          re.host?.toLowerCase() === e.host?.toLowerCase() &&
          portsOf(e).every((p) => portsOf(re).includes(p)) &&
          (re.protocol === undefined || re.access === "full" ||
            JSON.stringify(re.rules) === JSON.stringify(e.rules) && re.access === e.access)
        )
      )
    )
  );
}

/**
 * Render one endpoint as OpenShell's `format_endpoint` does.
 *
 * @example
 * ```ts
 * import { formatEndpoint } from "./_engine.ts";
 * console.assert(formatEndpoint({ host: "h", port: 443 }) === "h:443 [L4]");
 * ```
 */
export function formatEndpoint(e: Endpoint): string {
  const tags = [e.protocol === "rest" ? "L7 rest" : "L4"];
  if (e.access) tags.push(`access=${e.access}`);
  for (const r of e.rules ?? []) tags.push(`allow ${r.allow.method || "*"} ${r.allow.path || "*"}`);
  for (const d of e.deny_rules ?? []) tags.push(`deny ${d.method || "*"} ${d.path || "*"}`);
  return `${e.host}:${portsOf(e).join(",")} [${tags.join(", ")}]`;
}

/** The class of an address, as far as SSRF protection cares. */
export type AddressClass =
  | "loopback"
  | "private"
  | "link_local"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "public";

/**
 * True when the host is an IPv4 or IPv6 literal.
 *
 * @example
 * ```ts
 * import { isIpLiteral } from "./_engine.ts";
 * console.assert(isIpLiteral("10.0.0.1"));
 * ```
 */
export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || /^[0-9a-f:.]+$/i.test(host) && host.includes(":");
}

/**
 * Classify an IP literal.
 *
 * @example
 * ```ts
 * import { classifyAddress } from "./_engine.ts";
 * console.assert(classifyAddress("127.0.0.1") === "loopback");
 * ```
 */
export function classifyAddress(ip: string): AddressClass {
  const v4 = ip.toLowerCase().replace(/^::ffff:/, "");
  const o = v4.split(".").map(Number);
  if (o.length === 4) {
    const [a = 0, b = 0] = o;
    if (v4 === "169.254.169.254") return "metadata";
    if (a === 127) return "loopback";
    if (a === 0) return "unspecified";
    if (a === 10 || a === 172 && b >= 16 && b <= 31 || a === 192 && b === 168) return "private";
    if (a === 100 && b >= 64 && b <= 127) return "private";
    if (a === 169 && b === 254) return "link_local";
    if (a >= 224 && a <= 239) return "multicast";
    return "public";
  }
  if (v4.startsWith("fd00:ec2::254")) return "metadata";
  if (v4 === "::1") return "loopback";
  if (v4 === "::") return "unspecified";
  if (/^fe[89ab]/.test(v4)) return "link_local";
  if (/^f[cd]/.test(v4)) return "private";
  if (v4.startsWith("ff")) return "multicast";
  return "public";
}
