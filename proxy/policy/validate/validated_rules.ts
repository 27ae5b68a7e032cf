/**
 * The rules a clean validation of a pushed policy accepted, lent to the next one: a proxy
 * receives every approval as the whole policy, and an approval changes one rule of it.
 *
 * @module
 */

import type { NetworkRule } from "../model/mod.ts";

interface Held {
  /** The rule's JSON value, as `JSON.stringify` writes it. */
  json: string;
  /** What validation made of it. */
  rule: NetworkRule;
  /** Its part of the canonical text, once written (`canonical`). */
  canonical?: string;
}

/**
 * Per rule key, the JSON value of a rule in the last policy that validated clean and the rule
 * validation made of it. The next validation (`policyFromJson`) validates only the rules whose
 * key or value differs and takes the others as they were; the hash reuses their canonical text.
 * A rule is reused only for the same key and the same JSON text, which validated before with no
 * problem and no warning, so the result is the one a full validation gives. Only the rules of
 * the last clean policy are held.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyFromJson } from "./policy_from_json.ts";
 * import { ValidatedRules } from "./validated_rules.ts";
 * const known = new ValidatedRules();
 * const rule = { endpoints: [{ host: "a.example", port: 443 }] };
 * const first = policyFromJson(JSON.stringify({ version: 1, network_policies: { a: rule } }), known);
 * const next = policyFromJson(
 *   JSON.stringify({ version: 1, revision: 1, network_policies: { a: rule, b: rule } }),
 *   known,
 * );
 * assert.equal(next?.network_policies.a, first?.network_policies.a);
 * assert.notEqual(next?.network_policies.b, first?.network_policies.a);
 * ```
 */
export class ValidatedRules {
  #held = new Map<string, Held>();
  #next = new Map<string, Held>();

  /**
   * Rule `key` as validated before from the same JSON value, else `validate()`'s result. Each
   * rule given is noted, to be held if the whole policy passes (`keep`).
   */
  rule(
    key: string,
    raw: unknown,
    validate: () => NetworkRule | undefined,
  ): NetworkRule | undefined {
    const json = JSON.stringify(raw);
    const held = this.#held.get(key);
    if (held?.json === json) {
      this.#next.set(key, held);
      return held.rule;
    }
    const rule = validate();
    if (rule) this.#next.set(key, { json, rule });
    return rule;
  }

  /** The validation that called `rule` passed clean: hold its rules (and only those). */
  keep(): void {
    this.#held = this.#next;
    this.#next = new Map();
  }

  /** It did not: forget what it noted, and keep holding the last clean policy's rules. */
  drop(): void {
    this.#next = new Map();
  }

  /**
   * Rule `key`'s part of the canonical text (`write` writes it), written once per held rule:
   * `rule` must be the held rule itself, else it is written afresh.
   */
  canonical(
    key: string,
    rule: NetworkRule,
    write: (key: string, rule: NetworkRule) => string,
  ): string {
    const held = this.#held.get(key);
    if (held?.rule !== rule) return write(key, rule);
    return held.canonical ??= write(key, rule);
  }
}
