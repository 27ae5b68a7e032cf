/**
 * Proposal listings that start fast: what a listing shows, kept in each pending proposal's
 * seal, read back without parsing a patch or loading YAML, and rendered as the `proposals
 * list` table or JSON. Imports only Deno's own APIs and `gateway/text`, so a command that only
 * lists loads nothing else.
 *
 * @module
 */

export { findingsCachePath, readFindingsCache } from "./findings_cache.ts";
export type { FindingsCache } from "./findings_cache.ts";
export { byteSize, findingsBasis } from "./listed_proposal.ts";
export type { ListedMeta, ListedProposal, SealListing } from "./listed_proposal.ts";
export { isProposalId, proposalIdsIn } from "./proposal_ids.ts";
export { quickPendingList } from "./quick_pending_list.ts";
export {
  paint,
  proposalJson,
  renderProposalList,
  safeJson,
  STATE_COLOR,
} from "./render_proposal_list.ts";
export type { PaintColor } from "./render_proposal_list.ts";
export { readCeilingText, readSealedListings } from "./sealed_listings.ts";
export type { SealedListing, SealedListingOptions } from "./sealed_listings.ts";
