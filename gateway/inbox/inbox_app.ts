/**
 * The web inbox (Hono, server-rendered HTML), mounted on the gateway app at `/inbox`: sign
 * in with a reviewer token, the pending list (live over the session's event stream), a
 * proposal's page, approve and reject through the same `ProposalStore` calls as the CLI (so
 * the commit, its trailers and the reload push are identical), and the history.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { DirectoryWatcher } from "../events/mod.ts";
import type { EventHub } from "../events/mod.ts";
import { streamEvents } from "../events/mod.ts";
import { isGuidance } from "../../proxy/policy_local/mod.ts";
import { ProposalConflictError } from "../proposals/mod.ts";
import { isProposalId } from "../proposals/mod.ts";
import type { ProposalStore } from "../store/mod.ts";
import { INBOX_CSS, INBOX_JS } from "./inbox_assets.ts";
import {
  type InboxAuthDeps,
  type InboxEnv,
  requireSession,
  signIn,
  signOut,
} from "./inbox_auth.ts";
import { historyPage, pendingList, pendingPage, signInPage } from "./inbox_list_pages.ts";
import { proposalPage } from "./inbox_proposal_page.ts";
import { sessionHub } from "./session_events.ts";
import { proposalCommits } from "./proposal_commits.ts";
import { proposalDenials } from "./proposal_denials.ts";
import { readForReview } from "./read_for_review.ts";
import * as r from "./inbox_routes.ts";

/** What the inbox is built from. */
export interface InboxDeps extends InboxAuthDeps {
  /** The store every decision goes through. */
  store: ProposalStore;
  /** Event fan-out (the live list). */
  hub: EventHub;
  /** Policy snapshots (the stream's `ready` event). */
  watcher: DirectoryWatcher;
  /** The OCSF log directory read for recent denials. */
  logDir?: string;
  /** Ping period of the event stream, in ms. */
  pingMs?: number;
}

/**
 * Hono's app type, under a name of our own: documenting Hono's declarations is Hono's job,
 * and `@ignore` keeps `deno doc --lint` from walking them.
 *
 * @ignore
 */
type App = Hono<InboxEnv>;

// Nothing but the gateway's own script and style; no frames; forms post only here.
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * Build the inbox app (its routes are absolute: mount it with `app.route("/", inbox)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CredentialStore, DirectoryWatcher, EventHub, ProposalStore } from "../mod.ts";
 * import { InboxSessions } from "./inbox_sessions.ts";
 * import { createInboxApp } from "./inbox_app.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const hub = new EventHub();
 * const inbox = createInboxApp({
 *   store: new ProposalStore({ policiesDir: dir }),
 *   hub,
 *   watcher: new DirectoryWatcher({ policiesDir: dir, hub }),
 *   credentials: new CredentialStore(`${dir}/.state`),
 *   sessions: new InboxSessions(),
 * });
 * // The gateway mounts it with gateway.route("/", inbox); here it answers on its own.
 * const signIn = await inbox.request("/inbox/sign-in");
 * assert.match(await signIn.text(), /<form/);
 * assert.equal(signIn.headers.get("x-content-type-options"), "nosniff");
 * const pending = await inbox.request("/inbox", { headers: { accept: "text/html" } });
 * assert.equal(pending.headers.get("location"), "/inbox/sign-in"); // no session yet
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createInboxApp(deps: InboxDeps): App {
  const app = new Hono<InboxEnv>();
  app.use(`${r.INBOX}/*`, async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });
  app.use(r.INBOX, async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });
  app.onError((_error, c) => c.text("Internal error\n", 500));
  app.get(r.INBOX_SCRIPT, (c) => c.body(INBOX_JS, 200, { "content-type": "text/javascript" }));
  app.get(r.INBOX_STYLE, (c) => c.body(INBOX_CSS, 200, { "content-type": "text/css" }));
  app.get(r.INBOX_SIGN_IN, (c) => c.html(signInPage()));
  app.post(r.INBOX_SIGN_IN, async (c) => {
    const form = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
    const result = await signIn(c, deps, typeof form.token === "string" ? form.token : "");
    if ("problem" in result) return c.html(signInPage(result.problem), result.status);
    return c.redirect(r.INBOX, 303);
  });
  const auth = requireSession(deps);
  app.post(r.INBOX_SIGN_OUT, auth, (c) => {
    signOut(c, deps);
    return c.redirect(r.INBOX_SIGN_IN, 303);
  });
  app.get(r.INBOX, auth, async (c) => {
    return c.html(pendingPage(await deps.store.list({ status: "pending" }), c.get("session")));
  });
  app.get(r.INBOX_PENDING_FRAGMENT, auth, async (c) => {
    return c.html(pendingList(await deps.store.list({ status: "pending" })));
  });
  app.get(r.INBOX_HISTORY, auth, async (c) => {
    const [approved, rejected, commits] = await Promise.all([
      deps.store.list({ status: "approved" }),
      deps.store.list({ status: "rejected" }),
      proposalCommits(deps.store.policiesDir),
    ]);
    const entries = [...approved, ...rejected].map((record) => ({
      record,
      commit: commits.get(record.id),
    }));
    return c.html(historyPage(entries, c.get("session")));
  });
  app.get(r.INBOX_EVENTS, auth, (c) => {
    const session = c.get("session");
    const alive = async () =>
      deps.sessions.alive(session.id) &&
      (await deps.credentials.findByDigest(session.tokenDigest))?.name === session.reviewer;
    return streamEvents(c, sessionHub(deps.hub, alive), deps.watcher, deps.pingMs ?? 15_000);
  });
  proposalRoutes(app, deps, auth);
  return app;
}

function proposalRoutes(app: App, deps: InboxDeps, auth: ReturnType<typeof requireSession>) {
  app.get(r.INBOX_PROPOSAL, auth, (c) => showProposal(c, deps));
  app.post(r.INBOX_APPROVE, auth, async (c) => {
    const id = c.req.param("id");
    // No read before deciding: the store refuses an unknown id (then shown as 404).
    if (!isProposalId(id)) return c.text("No such proposal\n", 404);
    // The policy the page was read against: approving what the reviewer did not read is refused.
    const form = await c.req.parseBody();
    const reviewedPolicyHash = typeof form.policy_hash === "string" ? form.policy_hash : "";
    const approvedBy = c.get("session").reviewer;
    return await decided(
      c,
      deps,
      () => deps.store.approve(id, { approvedBy, reviewedPolicyHash }).then(() => {}),
    );
  });
  app.post(r.INBOX_REJECT, auth, async (c) => {
    const id = c.req.param("id");
    // No read before deciding: the store refuses an unknown id (then shown as 404).
    if (!isProposalId(id)) return c.text("No such proposal\n", 404);
    const form = await c.req.parseBody();
    const reason = typeof form.reason === "string" ? form.reason : "";
    const guidance = typeof form.guidance === "string" && form.guidance !== ""
      ? form.guidance
      : undefined;
    if (guidance !== undefined && !isGuidance(guidance)) {
      return c.text("Unknown guidance\n", 400);
    }
    const rejectedBy = c.get("session").reviewer;
    return await decided(
      c,
      deps,
      () => deps.store.reject(id, { reason, guidance, rejectedBy }),
    );
  });
}

/** Run a decision; on success show the proposal's page (303), on a conflict the page with why. */
async function decided(
  c: Context<InboxEnv>,
  deps: InboxDeps,
  decide: () => Promise<void>,
): Promise<Response> {
  try {
    await decide();
  } catch (error) {
    if (!(error instanceof ProposalConflictError)) throw error;
    return await showProposal(c, deps, error.message, 409);
  }
  return c.redirect(r.proposalPath(c.req.param("id") ?? ""), 303);
}

async function showProposal(
  c: Context<InboxEnv>,
  deps: InboxDeps,
  problem?: string,
  status: 200 | 409 = 200,
): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const read = isProposalId(id) ? await readForReview(deps.store, id) : undefined;
  if (!read) return c.text("No such proposal\n", 404);
  const { record } = read;
  const [denials, commits] = await Promise.all([
    deps.logDir ? proposalDenials(deps.logDir, record) : [],
    record.state === "approved" ? proposalCommits(deps.store.policiesDir) : new Map(),
  ]);
  const policyHash = read.state?.currentPolicyHash;
  const data = { record, denials, commit: commits.get(id), problem, policyHash };
  return c.html(proposalPage(data, c.get("session")), status);
}
