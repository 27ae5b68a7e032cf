/**
 * The web inbox: where reviewers sign in, see proposals arrive live, read them and decide.
 * Served by the gateway app at `/inbox` (same process, same port).
 *
 * @module
 */

export { createInboxApp } from "./inbox_app.ts";
export type { InboxDeps } from "./inbox_app.ts";
export { InboxSessions } from "./inbox_sessions.ts";
export type { InboxSession, InboxSessionOptions } from "./inbox_sessions.ts";
export type { InboxAuthDeps, InboxEnv } from "./inbox_auth.ts";
export { proposalCommits } from "./proposal_commits.ts";
export { readForReview } from "./read_for_review.ts";
export type { ReviewRead } from "./read_for_review.ts";
export { proposalDenials } from "./proposal_denials.ts";
export type { ShownDenial } from "./proposal_denials.ts";
