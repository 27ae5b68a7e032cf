/**
 * The authority delta and the org ceiling as proposal findings: an `authority_delta` info
 * finding that states what the rule adds, and an `outside_org_ceiling` refusal that says only
 * that (the ceiling's content is never quoted: agents read findings).
 *
 * @module
 */

import type { CompiledPolicy, NetworkRule } from "../../proxy/policy/mod.ts";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import { authorityDelta, describeDelta, formatGrant } from "./authority_delta.ts";
import { firstOutside, OUTSIDE_CEILING } from "./org_ceiling.ts";

/** The ceiling as the checks see it: compiled, or the reason it could not be read. */
export type CeilingView = { compiled: CompiledPolicy; hash?: string } | { error: string };

/**
 * The findings of a rule's authority against the current policy and the ceiling.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "../../proxy/policy/mod.ts";
 * import { authorityFindings } from "./authority_findings.ts";
 * const none = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * const rule = { endpoints: [{ host: "h.example.com", port: 22 }], binaries: [{ path: "/b" }] };
 * const codes = authorityFindings(none, rule, { compiled: none }).map((f) => f.code);
 * assert.equal(codes.join(), "authority_delta,outside_org_ceiling");
 * ```
 */
export function authorityFindings(
  current: CompiledPolicy,
  rule: NetworkRule,
  ceiling?: CeilingView,
): Finding[] {
  const delta = authorityDelta(current, rule);
  const findings: Finding[] = [
    {
      code: "authority_delta",
      severity: "info",
      message: describeDelta(delta),
      grants: delta.added.map(formatGrant),
    },
  ];
  // An unreadable ceiling fails closed: nothing new is inside it.
  const outside = ceiling === undefined
    ? false
    : "error" in ceiling
    ? delta.added.length > 0
    : firstOutside(ceiling.compiled, delta.added) !== undefined;
  if (outside) {
    findings.push({
      code: OUTSIDE_CEILING,
      severity: "refuse",
      message: "the rule asks for more than the organisation allows any sandbox; propose a " +
        "narrower rule or ask a person",
    });
  }
  return findings;
}
