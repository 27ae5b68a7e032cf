/**
 * `ProposalStore`: the control plane's domain bound to one policies directory, composing
 * submit, approval, rejection, recovery, auto-approval and the removal of ended rules.
 *
 * @module
 */

export { ProposalStore } from "./proposal_store.ts";
export type { ProposalStoreOptions } from "./proposal_store_options.ts";
