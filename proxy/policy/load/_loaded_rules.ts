/**
 * The load worker's memory of the last policy it loaded, rule by rule: each rule's canonical
 * text (for the hash) and its JSON (for the answer), so a reload that changes one rule of
 * 10,000 writes one rule's texts, and a pushed change (`PolicyDelta`) is applied to it.
 *
 * @module
 */

import { Checker } from "../validate/mod.ts";
import { type RuleSlots, ruleSlots } from "../compile/mod.ts";
import { canonicalPolicy, canonicalRule } from "./_policy_canonical.ts";
import { validatePolicyValue } from "../validate/mod.ts";
import type { PolicyDelta } from "./policy_delta.ts";
import type { NetworkRule, Policy } from "../model/mod.ts";

interface RuleTexts {
  /** The validated rule these texts were written from (compared by identity). */
  rule: NetworkRule;
  canonical: string;
  json?: string;
  slots?: RuleSlots;
}

/** A policy with its hash and each rule's JSON, as the worker answers with it. */
export interface RememberedPolicy {
  policy: Policy;
  hash: string;
  /** Rule `key`'s JSON text. */
  json(key: string): string;
  /** The rule keys sorted (for `planPolicy`). */
  sortedKeys: readonly string[];
  /** Rule `key`'s slots in the grant index (for `planPolicy`), written once per rule. */
  slots(key: string): RuleSlots;
}

/** New keys inserted one by one into the held sorted list; more than this are sorted anew. */
const FEW_NEW_KEYS = 64;

/**
 * The last policy loaded, its hash, and per rule key the texts written for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createHash } from "node:crypto";
 * import { LoadedRules } from "./_loaded_rules.ts";
 * import { policyHash } from "./policy_hash.ts";
 * const rules = new LoadedRules((text) =>
 *   Promise.resolve(createHash("sha256").update(text).digest("hex"))
 * );
 * const rule = { endpoints: [{ host: "a.example", port: 443 }] };
 * const policy = { version: 1 as const, revision: 0, network_policies: { a: rule } };
 * const held = await rules.remember(policy);
 * assert.equal(held.hash, policyHash(policy));
 * const next = rules.apply({ delta_from: held.hash, hash: "", head: { version: 1, revision: 1 }, set: { b: rule }, removed: [] });
 * assert.deepEqual(Object.keys(next!.network_policies), ["a", "b"]);
 * ```
 */
export class LoadedRules {
  #digest: (text: string) => Promise<string>;
  #hash?: string;
  #policy?: Policy;
  #texts = new Map<string, RuleTexts>();
  #sorted: readonly string[] = [];

  /** `digest` hashes the canonical text (the worker's `crypto.subtle` SHA-256). */
  constructor(digest: (text: string) => Promise<string>) {
    this.#digest = digest;
  }

  /**
   * The policy a pushed change makes from the one held, validated like a whole pushed policy;
   * undefined when the change is not from the policy held, or is not clean (the caller then
   * loads the text). The hash is checked by {@linkcode remember}'s caller.
   */
  apply(delta: PolicyDelta): Policy | undefined {
    const held = this.#policy;
    if (!held || this.#hash !== delta.delta_from) return undefined;
    const checker = new Checker();
    const part = validatePolicyValue(checker, { ...delta.head, network_policies: delta.set });
    if (!part || checker.problems.length > 0 || checker.warnings.length > 0) return undefined;
    if (!Array.isArray(delta.removed)) return undefined;
    // The held rules are changed in place: copying 10,000 of them per pushed rule was this
    // step's whole cost. Until `remember()` hashes the result, no change applies to them.
    this.#hash = undefined;
    const rules = held.network_policies;
    for (const key of delta.removed) delete rules[key];
    // An existing key keeps its place, a new one goes last, in the change's order.
    for (const [key, rule] of Object.entries(part.network_policies)) rules[key] = rule;
    return { ...part, network_policies: rules };
  }

  /**
   * Hash `policy`, writing only the texts of rules not held as they are, and hold it in place
   * of the last one.
   */
  async remember(policy: Policy): Promise<RememberedPolicy> {
    const { sorted, keepsAll } = this.#sortedKeys(policy.network_policies);
    // Every held key kept: the held texts are updated in place, not copied 10,000 at a time.
    const held = this.#texts;
    const texts = keepsAll ? held : new Map<string, RuleTexts>();
    const canonical = canonicalPolicy(policy, (key, rule) => {
      const known = held.get(key);
      if (known?.rule === rule) {
        if (!keepsAll) texts.set(key, known);
        return known.canonical;
      }
      const entry = { rule, canonical: canonicalRule(key, rule) };
      texts.set(key, entry);
      return entry.canonical;
    }, sorted);
    const hash = await this.#digest(canonical);
    this.#policy = policy;
    this.#hash = hash;
    this.#texts = texts;
    this.#sorted = sorted;
    const json = (key: string): string => {
      const entry = texts.get(key)!;
      return entry.json ??= JSON.stringify(entry.rule);
    };
    const slots = (key: string): RuleSlots => {
      const entry = texts.get(key)!;
      return entry.slots ??= ruleSlots(entry.rule);
    };
    return { policy, hash, json, sortedKeys: sorted, slots };
  }

  /**
   * The keys of `rules` sorted: when they keep every key held and add a few, the held sorted
   * list with the new ones inserted (an approval adds one rule to 10,000), otherwise sorted.
   */
  #sortedKeys(
    rules: Policy["network_policies"],
  ): { sorted: readonly string[]; keepsAll: boolean } {
    const keys = Object.keys(rules);
    const fresh = keys.filter((key) => !this.#texts.has(key));
    const keepsAll = keys.length - fresh.length === this.#texts.size;
    if (!keepsAll || fresh.length > FEW_NEW_KEYS) return { sorted: keys.sort(), keepsAll };
    const sorted = this.#sorted.slice();
    for (const key of fresh) sorted.splice(insertionPoint(sorted, key), 0, key);
    return { sorted, keepsAll };
  }
}

/** Where `key` goes in `sorted` (UTF-16 order, as `sort()` puts it). */
function insertionPoint(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
