/**
 * One rule's part of a policy's grant index (`planPolicy`): its slot lines and the endpoint
 * each slot is for. A rule's part depends on the rule alone, so a caller that keeps it per rule
 * (the load worker, between reloads that add one rule to 10,000) writes it once per rule.
 *
 * @module
 */

import { normaliseHost } from "./_compile_grant.ts";
import { parseHostPattern } from "../host/mod.ts";
import type { NetworkRule } from "../model/mod.ts";

/** A rule's slots in a plan: the lines, and per line the index of its endpoint in the rule. */
export interface RuleSlots {
  /** One line per endpoint and port, as `PolicyPlan.slots` holds them. */
  lines: string;
  /** Per line, the endpoint's index in the rule. */
  endpoints: number[];
}

/** What {@linkcode planPolicy} may reuse from an earlier plan (the load worker's): both or none. */
export interface PlanParts {
  /**
   * The policy's rule keys sorted (UTF-16 order): taken instead of sorting them again when it
   * holds exactly the policy's keys.
   */
  sortedKeys?: readonly string[];
  /** Rule `key`'s slots (default {@linkcode ruleSlots}). */
  slotsOf?: (key: string, rule: NetworkRule) => RuleSlots;
}

/**
 * The slots of one validated rule: `e<host>:<port>` (exact host), `w<suffix>:<port>`
 * (wildcard host) or `h<port>` (host-less endpoint), a line per endpoint and distinct port.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ruleSlots } from "./rule_slots.ts";
 * const slots = ruleSlots({ endpoints: [{ host: "A.example", ports: [443, 443, 80] }, { port: 53 }] });
 * assert.equal(slots.lines, "ea.example:443\nea.example:80\nh53\n");
 * assert.deepEqual(slots.endpoints, [0, 0, 1]);
 * ```
 */
export function ruleSlots(rule: NetworkRule): RuleSlots {
  let lines = "";
  const endpoints: number[] = [];
  rule.endpoints.forEach((endpoint, e) => {
    const prefix = slotPrefix(endpoint);
    for (const port of endpointSlotPorts(endpoint)) {
      lines += `${prefix}${port}\n`;
      endpoints.push(e);
    }
  });
  return { lines, endpoints };
}

/**
 * What a slot line of `endpoint` starts with: `e<host>:`, `w<suffix>:` or `h`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { slotPrefix } from "./rule_slots.ts";
 * assert.equal(slotPrefix({ host: "*.Example.com", port: 443 }), "wexample.com:");
 * ```
 */
export function slotPrefix(endpoint: NetworkRule["endpoints"][number]): string {
  const host = endpoint.host === undefined ? undefined : normaliseHost(endpoint.host);
  if (host === undefined) return "h";
  return host.includes("*")
    ? `w${(parseHostPattern(host) as { suffix: string }).suffix}:`
    : `e${host}:`;
}

/** The distinct ports of `endpoint`, a slot each. */
export function endpointSlotPorts(endpoint: NetworkRule["endpoints"][number]): Set<number> {
  return new Set(endpoint.ports ?? [endpoint.port!]);
}

/**
 * The policy's rule keys sorted: `parts.sortedKeys` when it holds exactly `keys` (checked by
 * count and membership, so a stale list is never used), otherwise sorted here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortedRuleKeys } from "./rule_slots.ts";
 * assert.deepEqual(sortedRuleKeys(["b", "a"], new Map([["b", 0], ["a", 1]])), ["a", "b"]);
 * assert.deepEqual(sortedRuleKeys(["b", "a"], new Map([["b", 0], ["a", 1]]), ["a", "c"]), ["a", "b"]);
 * ```
 */
export function sortedRuleKeys(
  keys: readonly string[],
  index: ReadonlyMap<string, number>,
  given?: readonly string[],
): readonly string[] {
  if (given?.length === keys.length && given.every((key) => index.has(key))) return given;
  // Unique keys: UTF-16 order, as `<` compares them.
  return [...keys].sort();
}
