/**
 * Whether a policy already covers a proposed rule: the rule's hosts, binaries, globs and
 * paths compared with the grants the policy holds.
 *
 * @module
 */

export { policyCoversRule } from "./policy_covers_rule.ts";
