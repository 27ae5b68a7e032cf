/**
 * The agent's view of one proposal (`GET /v1/proposals/:id` and `/wait`).
 *
 * @module
 */

import { escapeControlChars, truncateChars } from "../ocsf/mod.ts";
import type { Finding, Guidance, ProposalStatus } from "./proposal_sink.ts";

/** JSON body of a proposal state; optional fields are omitted, never null. */
export interface ProposalStateBody {
  /** Proposal id. */
  chunk_id: string;
  /** `pending`, `approved` or `rejected`. */
  status: ProposalStatus["status"];
  /** Key of the proposed rule. */
  rule_name: string;
  /** First binary of the proposed rule. */
  binary?: string;
  /** The reviewer's reason (rejected only). */
  rejection_reason?: string;
  /** The reviewer's structured hint (rejected only). */
  guidance?: Guidance;
  /** Summary of the submit checks' findings. */
  validation_result: string;
  /** Approved only: whether this proxy enforces the rule now. */
  policy_reloaded?: boolean;
  /** Set when `/wait` ended with the proposal still pending. */
  timed_out?: boolean;
}

const MAX_TEXT_CHARS = 2000;

/** Render a proposal state; `reloaded` is reported only for an approved proposal. */
export function proposalStateBody(
  state: ProposalStatus,
  extra: { reloaded?: boolean; timedOut?: boolean },
): ProposalStateBody {
  const body: ProposalStateBody = {
    chunk_id: state.id,
    status: state.status,
    rule_name: state.ruleName,
    validation_result: validationResult(state.findings),
  };
  if (state.binary !== undefined) body.binary = state.binary;
  if (state.rejectionReason !== undefined) body.rejection_reason = text(state.rejectionReason);
  if (state.guidance !== undefined) body.guidance = state.guidance;
  if (state.status === "approved" && extra.reloaded !== undefined) {
    body.policy_reloaded = extra.reloaded;
  }
  if (extra.timedOut) body.timed_out = true;
  return body;
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
