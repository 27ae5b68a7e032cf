/**
 * What the decide() benchmarks time, shared by `deno task bench:decide` (`Deno.bench`) and
 * the decide rows of the report: a compiled synthetic policy of `n` rules and a fixed mix
 * of requests drawn from the policy itself (L4 and L7, allowed and denied, hits on wildcard
 * hosts) plus misses (unknown host, unknown binary).
 *
 * @module
 */

import {
  type CompiledPolicy,
  compilePolicy,
  type Policy,
  type RequestFacts,
} from "../../proxy/policy/mod.ts";
import { syntheticPolicy } from "../../tests/support/synthetic_policy.ts";

/** Rule counts of the decide() benchmarks. */
export const DECIDE_SIZES = [10, 100, 1000, 10_000] as const;

const MIX_SIZE = 64;

/** A compiled policy and the requests to decide against it. */
export interface DecideCase {
  compiled: CompiledPolicy;
  mix: RequestFacts[];
}

/**
 * The case of `n` rules. Compiling 10,000 rules takes a second or more: prepare before timing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decideCase } from "./decide_case.ts";
 * assert.equal(decideCase(10).mix.length, 64);
 * ```
 */
export function decideCase(n: number): DecideCase {
  const policy = syntheticPolicy(n);
  return { compiled: compilePolicy(policy), mix: requestMix(policy) };
}

/**
 * A fixed mix of request facts for `policy`: for rules spread over the whole policy, an
 * L4 or L7 request its first endpoint and binary would allow (and an L7 request on an admin
 * path), plus one miss in four. Deterministic, so every run decides the same requests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestMix } from "./decide_case.ts";
 * import { syntheticPolicy } from "../../tests/support/synthetic_policy.ts";
 * assert.equal(requestMix(syntheticPolicy(100)).length, 64);
 * ```
 */
export function requestMix(policy: Policy): RequestFacts[] {
  const keys = Object.keys(policy.network_policies);
  const mix: RequestFacts[] = [];
  for (let i = 0; mix.length < MIX_SIZE && keys.length > 0; i++) {
    if (i % 4 === 3) {
      mix.push(miss(i));
      continue;
    }
    const rule = policy.network_policies[keys[(i * 7919) % keys.length]!]!;
    const endpoint = rule.endpoints[0];
    if (!endpoint?.host) continue;
    const facts: RequestFacts = {
      host: concreteHost(endpoint.host),
      port: endpoint.port ?? endpoint.ports?.[0] ?? 443,
      identity: { exe: concreteBinary(rule.binaries?.[0]?.path ?? "/usr/bin/curl"), ancestors: [] },
    };
    if (endpoint.protocol === "rest") {
      facts.method = i % 3 === 0 ? "DELETE" : "GET";
      facts.path = i % 3 === 0 ? "/admin/users/7" : "/repos/o/issues/12";
    }
    mix.push(facts);
  }
  return mix;
}

function miss(i: number): RequestFacts {
  return i % 8 === 3
    ? {
      host: `unknown-${i}.example.net`,
      port: 443,
      identity: { exe: "/usr/bin/curl", ancestors: [] },
    }
    : {
      host: "svc-0.example.com",
      port: 443,
      identity: { exe: "/usr/bin/nc", ancestors: ["/bin/sh"] },
    };
}

function concreteHost(pattern: string): string {
  if (pattern.startsWith("**.")) return `a.b.${pattern.slice(3)}`;
  if (pattern.startsWith("*.")) return `api.${pattern.slice(2)}`;
  return pattern.toLowerCase();
}

function concreteBinary(pattern: string): string {
  return pattern.replace(/\*\*/g, "bin/x").replace(/\*/g, "x");
}
