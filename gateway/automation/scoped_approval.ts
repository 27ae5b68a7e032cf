/**
 * What a scope changes in an approval: the lease comment added above the approved rule, the
 * `Scope`/`Expires` trailers of the stamp and the commit, and the audit event's fields.
 *
 * @module
 */

import type { RuleLease, RuleScope } from "../../proxy/policy/mod.ts";
import { ProposalConflictError } from "../proposals/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import { type ApprovalScope, leaseFor } from "./approval_scope.ts";
import { addLeaseComment, renameRuleKey } from "./lease_text.ts";
import { scopedRuleKey } from "../repo/mod.ts";

/** How an approval is made: by whom, for how long, and (auto-approval) under which pattern. */
export interface ApproveOptions {
  /** The reviewer's name, or `auto (<pattern>)`. */
  approvedBy: string;
  /** The rule's scope; durable when absent. */
  scope?: ApprovalScope;
  /** The auto-approve pattern that approved it, for an approval without a person. */
  auto?: string;
  /**
   * The policy hash (`current_effective_policy_hash`) the reviewer read the proposal against:
   * approval refuses when the policy is another now, since what the review said it adds (the
   * authority delta, the checks) may no longer hold. Absent: approve against the policy as it is.
   */
  reviewedPolicyHash?: string;
}

/**
 * The applied text with the scope's lease comment above the approved rule.
 *
 * @throws {ProposalConflictError} when the scope cannot be given (no sandbox for `session`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { withScope } from "./scoped_approval.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const record = (await store.get(submitted.proposal.id))!;
 * const applied = { text: "network_policies:\n  gh:\n    endpoints: []\n" };
 * const options = { approvedBy: "a", scope: { scope: "once" as const } };
 * const scoped = withScope(applied, record, options, Date.now());
 * assert.equal(scoped.lease?.scope, "once");
 * assert.match(scoped.text, /^ {2}# tollgate/m); // the lease comment above the rule key
 * assert.equal(withScope(applied, record, { approvedBy: "a" }, Date.now()), applied); // durable
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function withScope<T extends { text: string }>(
  applied: T,
  record: ProposalRecord,
  options: ApproveOptions,
  now: number,
): T & { lease?: RuleLease; ruleKey?: string } {
  let lease: RuleLease | undefined;
  try {
    lease = leaseFor(options.scope, { now, proposal: record.id, sandbox: record.meta.sandbox });
  } catch (error) {
    throw refused(record.id, (error as Error).message);
  }
  if (!lease) return applied;
  const key = record.meta.ruleKey;
  let text = addLeaseComment(applied.text, key, lease);
  if (text === undefined) throw refused(record.id, "the approved rule's key line was not found");
  // A rule one sandbox alone is served is hidden from the others: its key must not rename theirs.
  if (lease.sandbox === undefined) return { ...applied, text, lease };
  const ruleKey = scopedRuleKey(key, record.id);
  text = renameRuleKey(text, key, ruleKey);
  if (text === undefined) throw refused(record.id, "the approved rule's key line was not found");
  return { ...applied, text, lease, ruleKey };
}

function refused(id: string, why: string): ProposalConflictError {
  return new ProposalConflictError(`Cannot approve proposal "${id}": ${why}`);
}

/**
 * The decision fields of a scope: its name and, for once and lease, the expiry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scopeFields } from "./scoped_approval.ts";
 * assert.equal(scopeFields(undefined).scope, "durable");
 * ```
 */
export function scopeFields(lease: RuleLease | undefined): { scope: RuleScope; expires?: string } {
  if (!lease) return { scope: "durable" };
  const out: { scope: RuleScope; expires?: string } = { scope: lease.scope };
  if (lease.expiresAt !== undefined) out.expires = new Date(lease.expiresAt).toISOString();
  return out;
}

/**
 * The commit trailers of a scope (`Scope`, `Expires`); none for a durable rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scopeTrailers } from "./scoped_approval.ts";
 * assert.equal(Object.keys(scopeTrailers(undefined)).length, 0);
 * ```
 */
export function scopeTrailers(lease: RuleLease | undefined): Record<string, string> {
  if (!lease) return {};
  const { scope, expires } = scopeFields(lease);
  return expires ? { Scope: scope, Expires: expires } : { Scope: scope };
}
