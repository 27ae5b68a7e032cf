/**
 * The load worker's memory of the last policy it loaded, rule by rule: each rule's canonical
 * text (for the hash) and its JSON (for the answer), so a reload that changes one rule of
 * 10,000 writes one rule's texts, and a pushed change (`PolicyDelta`) is applied to it.
 *
 * @module
 */

import { Checker } from "../validate/mod.ts";
import { canonicalPolicy, canonicalRule } from "./_policy_canonical.ts";
import { validatePolicyValue } from "../validate/mod.ts";
import type { PolicyDelta } from "./policy_delta.ts";
import type { NetworkRule, Policy } from "../model/mod.ts";

interface RuleTexts {
  /** The validated rule these texts were written from (compared by identity). */
  rule: NetworkRule;
  canonical: string;
  json?: string;
}

/** A policy with its hash and each rule's JSON, as the worker answers with it. */
export interface RememberedPolicy {
  policy: Policy;
  hash: string;
  /** Rule `key`'s JSON text. */
  json(key: string): string;
}

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
    const removed = new Set(delta.removed);
    const rules: Record<string, NetworkRule> = {};
    for (const [key, rule] of Object.entries(held.network_policies)) {
      if (!removed.has(key)) rules[key] = part.network_policies[key] ?? rule;
    }
    for (const [key, rule] of Object.entries(part.network_policies)) rules[key] ??= rule;
    return { ...part, network_policies: rules };
  }

  /**
   * Hash `policy`, writing only the texts of rules not held as they are, and hold it in place
   * of the last one.
   */
  async remember(policy: Policy): Promise<RememberedPolicy> {
    const texts = new Map<string, RuleTexts>();
    const canonical = canonicalPolicy(policy, (key, rule) => {
      const known = this.#texts.get(key);
      const entry = known?.rule === rule ? known : { rule, canonical: canonicalRule(key, rule) };
      texts.set(key, entry);
      return entry.canonical;
    });
    const hash = await this.#digest(canonical);
    this.#policy = policy;
    this.#hash = hash;
    this.#texts = texts;
    const json = (key: string): string => {
      const entry = texts.get(key)!;
      return entry.json ??= JSON.stringify(entry.rule);
    };
    return { policy, hash, json };
  }
}
