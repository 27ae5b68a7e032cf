/**
 * A policy's grant index as flat data (a plan), and the compiled policy built from it, whose
 * matchers are compiled the first time a request looks their host up. A reload of 10,000 rules
 * then costs the main thread a few thousand map entries instead of every matcher of every
 * rule; a worker builds the plan and ships it as strings and typed arrays (`transferPlan`).
 *
 * @module
 */

import { compileBinaries, compileGrant, type CompileOptions } from "./_compile_grant.ts";
import { LazyGrants } from "./_lazy_grants.ts";
import type { BinaryMatcher, CompiledPolicy, Grant } from "../model/mod.ts";
import { endpointSlotPorts, type PlanParts, slotPrefix, sortedRuleKeys } from "./rule_slots.ts";
import type { NetworkRule, Policy } from "../model/mod.ts";

/**
 * The grant index of a policy as flat data: three strings and two typed arrays, which a worker
 * hands over without the receiver rebuilding thousands of objects.
 */
export interface PolicyPlan {
  /** The rule keys in the policy's own order, one after the other. */
  keys: string;
  /** Rule `i`'s key is `keys.slice(keyOffsets[i], keyOffsets[i + 1])`. */
  keyOffsets: Int32Array;
  /**
   * One slot per endpoint and port, rules taken in key order (so the first grant of a list is
   * the smallest key), each line `e<host>:<port>` (exact host), `w<suffix>:<port>` (wildcard
   * host) or `h<port>` (host-less endpoint); lines end with "\n".
   */
  slots: string;
  /** Per slot two numbers: the rule's index, the endpoint's index in the rule. */
  refs: Int32Array;
}

/**
 * The plan of a validated policy. `parts` lends what an earlier plan already wrote (the load
 * worker keeps each rule's slots and the sorted keys between reloads).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planPolicy } from "./policy_plan.ts";
 * const rule = { endpoints: [{ host: "API.example.com", ports: [443, 8443] }] };
 * const plan = planPolicy({ version: 1, revision: 0, network_policies: { r: rule } });
 * assert.equal(plan.slots, "eapi.example.com:443\neapi.example.com:8443\n");
 * ```
 */
export function planPolicy(policy: Policy, parts: PlanParts = {}): PolicyPlan {
  const rules = policy.network_policies;
  const ruleKeys = Object.keys(rules);
  const keyOffsets = new Int32Array(ruleKeys.length + 1);
  ruleKeys.forEach((key, i) => keyOffsets[i + 1] = keyOffsets[i]! + key.length);
  const slots: string[] = [];
  const refs: number[] = [];
  if (parts.sortedKeys && parts.slotsOf) {
    const index = new Map<string, number>();
    ruleKeys.forEach((key, i) => index.set(key, i));
    for (const key of sortedRuleKeys(ruleKeys, index, parts.sortedKeys)) {
      const r = index.get(key)!;
      const { lines, endpoints } = parts.slotsOf(key, rules[key]!);
      slots.push(lines);
      for (const e of endpoints) refs.push(r, e);
    }
  } else {
    // No memory to lend (a load on this thread): each line written straight in, as always.
    const order = ruleKeys.map((_, i) => i).sort((a, b) => compare(ruleKeys[a]!, ruleKeys[b]!));
    for (const r of order) {
      rules[ruleKeys[r]!]!.endpoints.forEach((endpoint, e) => {
        const prefix = slotPrefix(endpoint);
        for (const port of endpointSlotPorts(endpoint)) {
          slots.push(`${prefix}${port}\n`);
          refs.push(r, e);
        }
      });
    }
  }
  return {
    keys: ruleKeys.join(""),
    keyOffsets,
    slots: slots.join(""),
    refs: Int32Array.from(refs),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Rule `i`'s key in a plan.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planKey, planPolicy } from "./policy_plan.ts";
 * const plan = planPolicy({ version: 1, revision: 0, network_policies: { a: { endpoints: [] } } });
 * assert.equal(planKey(plan, 0), "a");
 * ```
 */
export function planKey(plan: PolicyPlan, i: number): string {
  return plan.keys.slice(plan.keyOffsets[i], plan.keyOffsets[i + 1]);
}

/** Where the rules of a plan come from: the policy itself, or a worker's JSON (parsed per rule). */
export interface PlanSource {
  /** Rule `i` of `plan.ruleKeys`. */
  rule(i: number): NetworkRule;
  /** The whole validated policy (built on demand from a worker's JSON). */
  policy(): Policy;
}

/**
 * The compiled policy of a plan: the index is built now, each grant list is compiled on its
 * first lookup (and kept).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePlan, planPolicy } from "./policy_plan.ts";
 * const policy = { version: 1 as const, revision: 0, network_policies: {} };
 * const source = { rule: () => { throw new Error("none") }, policy: () => policy };
 * assert.equal(compilePlan(planPolicy(policy), source, {}).ruleCount, 0);
 * ```
 */
export function compilePlan(
  plan: PolicyPlan,
  source: PlanSource,
  options: CompileOptions,
): CompiledPolicy {
  const steps = compilePlanInSlices(plan, source, options, Infinity);
  for (let step = steps.next();; step = steps.next()) if (step.done) return step.value;
}

/**
 * `compilePlan()` in slices: the generator yields after every `sliceSlots` slots indexed and
 * returns the compiled policy, so a thread that serves requests can index a large plan between
 * them; nothing is published until the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePlanInSlices, planPolicy } from "./policy_plan.ts";
 * const policy = { version: 1 as const, revision: 0, network_policies: {} };
 * const source = { rule: () => { throw new Error("none") }, policy: () => policy };
 * assert(compilePlanInSlices(planPolicy(policy), source, {}, 100).next().done);
 * ```
 */
export function* compilePlanInSlices(
  plan: PolicyPlan,
  source: PlanSource,
  options: CompileOptions,
  sliceSlots: number,
): Generator<void, CompiledPolicy, void> {
  const grants = grantCompiler(plan, source, options);
  const slotCount = plan.refs.length / 2;
  const exact = new LazyGrants<string>(grants, slotCount);
  const wildcard = new LazyGrants<string>(grants, slotCount);
  const hostless = new LazyGrants<number>(grants, slotCount);
  const wildcardDepths = new Set<number>();
  const text = plan.slots;
  for (let i = 0, at = 0; at < text.length; i++) {
    if (i > 0 && i % sliceSlots === 0) yield;
    const end = text.indexOf("\n", at);
    const kind = text.charCodeAt(at);
    const key = text.slice(at + 1, end);
    at = end + 1;
    if (kind === E) exact.add(key, i);
    else if (kind === H) hostless.add(Number(key), i);
    else if (wildcard.add(key, i)) {
      // The suffix's label count: lookups try only suffixes as deep as some wildcard's.
      wildcardDepths.add(key.slice(0, key.lastIndexOf(":")).split(".").length);
    }
  }
  let policy: Policy | undefined;
  return {
    get policy() {
      return policy ??= source.policy();
    },
    ruleCount: plan.keyOffsets.length - 1,
    exact,
    wildcard,
    wildcardDepths,
    hostless,
  };
}

const E = "e".charCodeAt(0);
const H = "h".charCodeAt(0);

/** Slot → its grant; one grant per endpoint (shared by its ports), binaries once per rule. */
function grantCompiler(
  plan: PolicyPlan,
  source: PlanSource,
  options: CompileOptions,
): (slot: number) => Grant {
  const rules = new Map<number, { binaries: BinaryMatcher; grants: Grant[] }>();
  return (slot) => {
    const r = plan.refs[2 * slot]!;
    const e = plan.refs[2 * slot + 1]!;
    let done = rules.get(r);
    if (!done) {
      done = { binaries: compileBinaries(source.rule(r), options), grants: [] };
      rules.set(r, done);
    }
    return done.grants[e] ??= compileGrant(
      planKey(plan, r),
      source.rule(r).endpoints[e]!,
      done.binaries,
      options,
    );
  };
}
