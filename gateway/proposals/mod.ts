/**
 * The proposal domain: a proposal's patch file (format, parse, stamp), its id, files and
 * states, its record and seal, the submit checks and their findings, the rule diff, the
 * rendering for the CLI, and submitting a proposal and waiting for its decision.
 *
 * @module
 */

export { checkProposedRule } from "./proposal_checks.ts";
export type { CheckResult } from "./proposal_checks.ts";
export { ProposalConflictError, UnknownProposalError } from "./proposal_conflict_error.ts";
export {
  ensureStateDirs,
  findProposalFile,
  listProposalFiles,
  PROPOSAL_STATES,
  proposalFilePath,
} from "./proposal_files.ts";
export type { ProposalFile, ProposalState } from "./proposal_files.ts";
export { assertProposalId, newProposalId } from "./proposal_id.ts";
export { isProposalId } from "../listing/mod.ts";
export { formatProposalPatch } from "./proposal_patch.ts";
export type { ProposalDecision, ProposalMeta } from "./proposal_patch.ts";
export type { ParsedProposal } from "./parse_proposal_patch.ts";
export { stampDecision } from "./stamp_decision.ts";
export {
  findProposalRecord,
  readProposalRecord,
  recordFromText,
  toProposalStatus,
} from "./proposal_record.ts";
export type { ProposalRecord } from "./proposal_record.ts";
export {
  readSeal,
  removeSeal,
  sealDir,
  sealListing,
  sealProblem,
  stageSeal,
  withPatch,
  writeSeal,
} from "./proposal_seal.ts";
export type { ProposalSeal, SealedFacts } from "./proposal_seal.ts";
export { reviewToken, ruleHash, textHash } from "./proposal_hashes.ts";
export { renderDiff, renderProposalDetail, renderRuleChunk } from "./render_proposals.ts";
export { proposalJson, renderProposalList, safeJson } from "../listing/mod.ts";
export { addedLines, applyFileDiff, buildFileDiff } from "./rule_diff.ts";
export type { ApproveStep, RemoveStep, RepoInfo, StoreChange, StoreEnv } from "./store_env.ts";
export { submitProposal } from "./submit_proposal.ts";
export { ceilingRefusalJournal, CeilingRefusals, proposerKey } from "./ceiling_refusals.ts";
export {
  AUTO_APPROVAL_WINDOW_MS,
  AUTO_APPROVALS_PER_HOUR,
  AutoApprovalMemo,
  recentAutoApprovals,
} from "./auto_approval_count.ts";
export type { AutoMark } from "./auto_approval_count.ts";
export { RejectedRules } from "./rejected_rules.ts";
export type { Proposer } from "./ceiling_refusals.ts";
export { reviewedBinaries } from "./summarize_rule.ts";
export { validateProposedRule } from "./validate_proposed_rule.ts";
export { waitForDecision } from "./wait_for_decision.ts";
export type { WaitOptions } from "./wait_for_decision.ts";
