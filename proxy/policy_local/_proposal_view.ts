/**
 * The agent's view of one proposal (`GET /v1/proposals/:id` and `/wait`).
 *
 * @module
 */

import { escapeControlChars, truncateChars } from "../ocsf/mod.ts";
import type { Finding, Guidance, ProposalStatus } from "./proposal_sink.ts";

/** JSON body of a proposal state; optional fields are omitted, never null. */
export interface ProposalStateBody {
  chunk_id: string;
  status: ProposalStatus["status"];
  rule_name: string;
  binary?: string;
  rejection_reason?: string;
  guidance?: Guidance;
  validation_result: string;
  policy_reloaded?: boolean;
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
