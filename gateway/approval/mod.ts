/**
 * Deciding a proposal: approval (apply, revision bump, atomic write, Git commit, reload
 * signal), rejection and refresh, the candidate policy a reviewer sees, and the recovery that
 * completes an approval a crash interrupted.
 *
 * @module
 */

export { approveProposal } from "./approve_proposal.ts";
export { candidateView } from "./candidate.ts";
export { CandidateMemo } from "./candidate_memo.ts";
export type { MemoInputs } from "./candidate_memo.ts";
export type { CandidateInputs, CandidateView } from "./candidate.ts";
export { rejectProposal } from "./reject_proposal.ts";
export { refreshProposal } from "./refresh_proposal.ts";
export { appliedPendingIds } from "./applied_pending_ids.ts";
export { recoverProposals } from "./recover_proposals.ts";
