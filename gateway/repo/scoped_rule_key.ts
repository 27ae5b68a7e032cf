/**
 * The key of a rule bound to one sandbox, kept apart from every key a proposal can get.
 *
 * @module
 */

/**
 * The key a rule bound to one sandbox (session, or once for the sandbox that proposed it) is
 * written under at approval: its reviewed key, `__`, and its proposal id's random tail. No key
 * `ruleKeyFor` gives holds `__`, so such a rule never renames a later proposal: the
 * name a sandbox's proposal gets depends on the rules that sandbox can see alone (the others'
 * own rules are hidden from it), and a rename no longer says another sandbox holds that name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scopedRuleKey } from "./scoped_rule_key.ts";
 * assert.equal(scopedRuleKey("notes", "p-20261208T013559-6apvnl"), "notes__6apvnl");
 * ```
 */
export function scopedRuleKey(ruleKey: string, proposalId: string): string {
  const tail = proposalId.slice(proposalId.lastIndexOf("-") + 1).toLowerCase();
  return `${ruleKey}__${tail.replace(/[^a-z0-9]/g, "")}`;
}
