/**
 * Trusted automation: approval scopes (once, lease, session, durable) kept as lease comments in
 * the policy file, and auto-approval inside `auto_approve.yaml` patterns and the org ceiling.
 *
 * @module
 */

export { approvalScopeOf, parseDuration, parseScope } from "./approval_scope.ts";
export type { ApprovalScope } from "./approval_scope.ts";
export { scopeFields, scopeTrailers, withScope } from "./scoped_approval.ts";
export type { ApproveOptions } from "./scoped_approval.ts";
export { parseAutoPatterns } from "./auto_approve.ts";
export type { AutoPattern } from "./auto_approve.ts";
export { autoApproveSubmitted } from "./auto_approve_step.ts";
export type { AutoApproveHooks } from "./auto_approve_step.ts";
export { removedBy } from "./ended_rules.ts";
export type { RemovedBy, RuleEnd } from "./ended_rules.ts";
export { removeEndedRules } from "./remove_ended_rules.ts";
export { earliestExpiry, listLeases } from "./list_leases.ts";
export { LeaseSweeper } from "./lease_sweeper.ts";
export type { LeaseSweeperDeps } from "./lease_sweeper.ts";
