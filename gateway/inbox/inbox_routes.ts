/**
 * Route constants of the web inbox (served by the gateway app, same port).
 *
 * @module
 */

/** `GET` the pending proposals, newest first. */
export const INBOX = "/inbox";
/** `GET` the sign-in form; `POST token=…` signs in with a reviewer token. */
export const INBOX_SIGN_IN = "/inbox/sign-in";
/** `POST csrf=…` ends the session. */
export const INBOX_SIGN_OUT = "/inbox/sign-out";
/** `GET` decided proposals: who, when, the commit and the revision. */
export const INBOX_HISTORY = "/inbox/history";
/** `GET` the pending list alone (what the page's script swaps in on each event). */
export const INBOX_PENDING_FRAGMENT = "/inbox/fragments/pending";
/** `GET` one proposal (Hono pattern). */
export const INBOX_PROPOSAL = "/inbox/proposals/:id";
/** `POST csrf=…` approve (Hono pattern). */
export const INBOX_APPROVE = "/inbox/proposals/:id/approve";
/** `POST csrf=… reason=… guidance=…` reject (Hono pattern). */
export const INBOX_REJECT = "/inbox/proposals/:id/reject";
/** `GET` the gateway's event stream, authenticated by the session cookie. */
export const INBOX_EVENTS = "/inbox/events";
/** `GET` the page script. */
export const INBOX_SCRIPT = "/inbox/inbox.js";
/** `GET` the stylesheet. */
export const INBOX_STYLE = "/inbox/inbox.css";

/**
 * The inbox page of proposal `id`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proposalPath } from "./inbox_routes.ts";
 * assert.equal(proposalPath("p-1"), "/inbox/proposals/p-1");
 * ```
 */
export function proposalPath(id: string, action?: "approve" | "reject"): string {
  const base = `/inbox/proposals/${encodeURIComponent(id)}`;
  return action ? `${base}/${action}` : base;
}
