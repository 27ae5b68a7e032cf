/**
 * decide() rows: one compiled synthetic policy per size (10 … 10,000 rules), timed over a
 * fixed mix of requests drawn from the policy itself (L4 and L7, allowed and denied, hits on
 * wildcard hosts) plus misses (unknown host, unknown binary).
 *
 * @module
 */

import {
  type CompiledPolicy,
  compilePolicy,
  decide,
  type Policy,
  type RequestFacts,
} from "../../proxy/policy/mod.ts";
import { syntheticPolicy } from "../../tests/support/synthetic_policy.ts";
import type { Row } from "./row.ts";
import type { Sample } from "./report.ts";
import { percentile, steadyRate } from "./stats.ts";

/** Rule counts of the decide() rows. */
export const DECIDE_SIZES = [10, 100, 1000, 10_000] as const;

const BATCH_PASSES = 4;
const MIX_SIZE = 64;

/**
 * The decide() rows, each measuring for `maxMs`. Compiles the policies at once.
 *
 * @example
 * ```ts ignore
 * const rows = decideRows(1000);
 * ```
 */
export function decideRows(maxMs: number, sizes: readonly number[] = DECIDE_SIZES): Row[] {
  return sizes.map((n) => {
    // Compiled now, not in the first measurement: 10,000 rules take a second or more.
    const policy = syntheticPolicy(n);
    const prepared = { compiled: compilePolicy(policy), mix: requestMix(policy) };
    return {
      info: {
        id: `decide.${n}`,
        group: "decide",
        label: `decide() at ${n.toLocaleString("en-US")} rules`,
        per: "decision",
      },
      measure: () => Promise.resolve(timeDecide(prepared.compiled, prepared.mix, maxMs)),
    };
  });
}

/**
 * Time decide() in batches (one batch = the whole mix, a few times over): each batch gives one
 * per-call sample, its mean. Single calls are too short for `performance.now()`.
 */
export function timeDecide(compiled: CompiledPolicy, mix: RequestFacts[], maxMs: number): Sample {
  let allowed = 0;
  const runBatch = () => {
    for (let pass = 0; pass < BATCH_PASSES; pass++) {
      for (const facts of mix) if (decide(compiled, facts).verdict === "allow") allowed++;
    }
  };
  const warmUntil = performance.now() + Math.min(200, maxMs / 4);
  while (performance.now() < warmUntil) runBatch();
  const perCall: number[] = [];
  const calls = BATCH_PASSES * mix.length;
  const start = performance.now();
  const deadline = start + maxMs;
  let now = start;
  while (now < deadline) {
    const t0 = now;
    runBatch();
    now = performance.now();
    perCall.push((now - t0) / calls);
  }
  const elapsed = now - start;
  // `allowed` keeps the results alive; a mix that allows nothing would be a broken mix.
  if (allowed === 0) throw new Error("The decide() request mix allowed nothing");
  return {
    reqPerSec: steadyRate(perCall),
    reqPerSecWall: (perCall.length * calls * 1000) / elapsed,
    p50Us: percentile(perCall, 50) * 1000,
    p99Us: percentile(perCall, 99) * 1000,
    samples: perCall.length * calls,
    errors: 0,
  };
}

/**
 * A fixed mix of request facts for `policy`: for rules spread over the whole policy, an
 * L4 or L7 request its first endpoint and binary would allow (and an L7 request on an admin
 * path), plus one miss in four. Deterministic, so every run decides the same requests.
 *
 * @example
 * ```ts ignore
 * const mix = requestMix(syntheticPolicy(100));
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
