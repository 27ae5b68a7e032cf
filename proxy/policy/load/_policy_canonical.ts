/**
 * The canonical serialisation that `policyHash()` digests, without node:crypto, so the load
 * worker (which digests with `crypto.subtle`) and the synchronous hash share one definition.
 *
 * @module
 */

import type { NetworkRule, Policy } from "../model/mod.ts";

/**
 * One string, keys sorted, `port` folded into `ports`, `enforcement` defaulted to `enforce`,
 * hosts lower-cased, `allow_encoded_slash: false` dropped: the same text for every file that
 * means the same policy. Endpoints are written as normalised, not copied normalised first: on a
 * 10,000-rule policy those copies were most of the hashing time. `sortedRuleKeys`, when given,
 * must be exactly the policy's rule keys sorted (the load worker keeps them between reloads).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalPolicy } from "./_policy_canonical.ts";
 * const text = canonicalPolicy({
 *   version: 1,
 *   revision: 0,
 *   network_policies: { a: { endpoints: [{ host: "A.example", port: 443 }], binaries: [] } },
 * });
 * assert.equal(
 *   text,
 *   '{"network_policies":{"a":{"binaries":[],"endpoints":[{"enforcement":"enforce",' +
 *     '"host":"a.example","ports":[443]}]}},"revision":0,"version":1}',
 * );
 * ```
 */
export function canonicalPolicy(
  policy: Policy,
  ruleText: (key: string, rule: NetworkRule) => string = canonicalRule,
  sortedRuleKeys?: readonly string[],
): string {
  const keys = Object.keys(policy).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const value = (policy as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    out += key === "network_policies"
      ? rulesText(value as Policy["network_policies"], ruleText, sortedRuleKeys)
      : any(value);
  }
  return `${out}}`;
}

function rulesText(
  rules: Policy["network_policies"],
  ruleText: (key: string, rule: NetworkRule) => string,
  sorted: readonly string[] = Object.keys(rules).sort(),
): string {
  const parts: string[] = [];
  for (const key of sorted) parts.push(ruleText(key, rules[key]!));
  return `{${parts.join(",")}}`;
}

/**
 * One rule's part of {@linkcode canonicalPolicy}: `"key":{...}`. A policy's canonical text is
 * its rules' parts in key order, so a caller that keeps each part (the load worker, between
 * reloads that change one rule) can pass them back instead of writing 10,000 again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalRule } from "./_policy_canonical.ts";
 * assert.equal(canonicalRule("a", { endpoints: [] }), '"a":{"endpoints":[]}');
 * ```
 */
export function canonicalRule(key: string, value: NetworkRule): string {
  const rule = value as unknown as Record<string, unknown>;
  let out = `${JSON.stringify(key)}:{`;
  let firstField = true;
  for (const field of Object.keys(rule).sort()) {
    const value = rule[field];
    if (value === undefined) continue;
    out += `${firstField ? "" : ","}${JSON.stringify(field)}:`;
    firstField = false;
    out += field === "endpoints" ? endpointsText(value as Record<string, unknown>[]) : any(value);
  }
  return `${out}}`;
}

function endpointsText(endpoints: Record<string, unknown>[]): string {
  let out = "[";
  for (let i = 0; i < endpoints.length; i++) {
    out += (i > 0 ? "," : "") + endpointText(endpoints[i]!);
  }
  return `${out}]`;
}

// The fields an endpoint is written with, besides its own (minus `port`).
const FOLDED = ["enforcement", "ports"];

function endpointText(ep: Record<string, unknown>): string {
  const keys = Object.keys(ep).filter((k) => k !== "port" && !FOLDED.includes(k));
  keys.push(...FOLDED);
  keys.sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const value = endpointField(ep, key);
    if (value === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${any(value)}`;
    first = false;
  }
  return `${out}}`;
}

function endpointField(ep: Record<string, unknown>, key: string): unknown {
  const value = ep[key];
  switch (key) {
    case "ports":
      return value ?? (ep.port === undefined ? [] : [ep.port]);
    case "enforcement":
      return value ?? "enforce";
    case "host":
      return typeof value === "string" ? value.toLowerCase() : value;
    case "allow_encoded_slash":
      return value === false ? undefined : value;
    default:
      return value;
  }
}

function any(value: unknown): string {
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + any(value[i]);
    return `${out}]`;
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "";
  const obj = value as Record<string, unknown>;
  let out = "{";
  let first = true;
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${any(v)}`;
    first = false;
  }
  return `${out}}`;
}
