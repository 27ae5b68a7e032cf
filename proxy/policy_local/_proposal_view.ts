/**
 * The agent's view of one proposal (`GET /v1/proposals/:id` and `/wait`).
 *
 * @module
 */

import { escapeControlChars, truncateChars } from "../ocsf/mod.ts";
import type { Finding, Guidance, ProposalStatus } from "./proposal_sink.ts";

/**
 * JSON body of a proposal state. Every field OpenShell's chunk state carries is present, as an
 * empty string when it has no value (OpenShell's proto strings), so a client written for it
 * reads the same shape; `guidance` (Tollgate's) is omitted when unset, never null.
 */
export interface ProposalStateBody {
  /** Proposal id. */
  chunk_id: string;
  /** `pending`, `approved` or `rejected`. */
  status: ProposalStatus["status"];
  /** Key of the proposed rule. */
  rule_name: string;
  /** First binary of the proposed rule; empty when it names none. */
  binary: string;
  /** Every binary of the proposed rule, in its order (Tollgate's); empty when it names none. */
  binaries: string[];
  /** The reviewer's reason; empty unless rejected. */
  rejection_reason: string;
  /** The reviewer's structured hint (rejected only). */
  guidance?: Guidance;
  /** Summary of the submit checks' findings. */
  validation_result: string;
  /** Why approval would refuse it now; empty when it would apply (pending only). */
  application_error: string;
  /** Digest binding the review to the rule, the current and the candidate policy. */
  review_token: string;
  /** Hash of the policy the rule applies to (as `/v1/policy/current` reports hashes). */
  current_effective_policy_hash: string;
  /** Hash of the policy with the rule applied: what approval writes. */
  candidate_effective_policy_hash: string;
  /** Approved only: whether this proxy enforces the rule now. */
  policy_reloaded?: boolean;
  /** Approved only: `once`, `lease` or `session`; absent for a durable rule. */
  scope?: NonNullable<ProposalStatus["scope"]>;
  /** Approved once or lease rule only: when it stops allowing (ISO time). */
  expires_at?: string;
  /** Set when `/wait` ended with the proposal still pending. */
  timed_out?: boolean;
}

const MAX_TEXT_CHARS = 2000;

/** Render a proposal state; `reloaded` is reported only for an approved proposal. */
export function proposalStateBody(
  state: ProposalStatus,
  extra: { reloaded?: boolean; timedOut?: boolean },
): ProposalStateBody {
  const rejected = state.status === "rejected";
  const pending = state.status === "pending";
  const body: ProposalStateBody = {
    chunk_id: state.id,
    status: state.status,
    rule_name: state.ruleName,
    binary: state.binary ?? "",
    // From the rule itself: a glob after the first binary must not go unread.
    binaries: state.rule.binaries?.map((b) => b.path) ?? [],
    rejection_reason: rejected ? text(state.rejectionReason ?? "") : "",
    validation_result: validationResult(state.findings),
    application_error: pending ? text(state.applicationError ?? "") : "",
    review_token: hex(state.reviewToken),
    current_effective_policy_hash: hex(state.currentPolicyHash),
    candidate_effective_policy_hash: hex(state.candidatePolicyHash),
  };
  if (rejected && state.guidance !== undefined) body.guidance = state.guidance;
  if (state.status === "approved") body.policy_reloaded = extra.reloaded ?? false;
  // Absent means durable, so OpenShell's chunk-state keys stay as they are for durable rules.
  if (state.status === "approved" && state.scope !== undefined && state.scope !== "durable") {
    body.scope = state.scope;
  }
  if (state.status === "approved" && state.expiresAt !== undefined) {
    body.expires_at = state.expiresAt;
  }
  if (extra.timedOut) body.timed_out = true;
  return body;
}

// Hashes come from the control plane: only a hex digest is passed on to the agent.
function hex(value: string | undefined): string {
  return value !== undefined && /^[0-9a-f]{64}$/.test(value) ? value : "";
}

function validationResult(findings: Finding[]): string {
  if (findings.length === 0) return "passed: no findings";
  const parts = findings.map((f) => `${f.severity} ${f.code}: ${f.message}`);
  return text(`${findings.length} finding(s): ${parts.join("; ")}`);
}

// Reviewer and gateway text is shown to the agent as data: one line, bounded.
function text(value: string): string {
  return truncateChars(escapeControlChars(value), MAX_TEXT_CHARS);
}
