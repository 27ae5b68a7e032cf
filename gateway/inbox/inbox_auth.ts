/**
 * Inbox authentication: sign-in with a reviewer token buys a session cookie (HttpOnly,
 * SameSite=Strict, path `/inbox`, Secure over TLS); each request re-checks the session, its
 * expiry and that its reviewer still exists; every POST must carry the session's CSRF token
 * and must not come from another site. A proxy credential never gets a session.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CredentialStore } from "../credentials/mod.ts";
import {
  csrfMatches,
  type InboxSession,
  type InboxSessions,
  tokenDigest,
} from "./inbox_sessions.ts";
import * as r from "./inbox_routes.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "tollgate_inbox";

/** Hono environment of the inbox: the session is set before a signed-in route runs. */
export interface InboxEnv {
  /** Request-scoped values. */
  Variables: { session: InboxSession };
}

/** What the inbox's authentication needs. */
export interface InboxAuthDeps {
  /** Reviewer credentials. */
  credentials: CredentialStore;
  /** The session table. */
  sessions: InboxSessions;
  /** Mark the cookie Secure even on plain HTTP (behind a TLS-terminating reverse proxy). */
  secureCookie?: boolean;
}

/** Why a sign-in failed, or the new session. */
export type SignInResult = { session: InboxSession } | { status: 401 | 403; problem: string };

/**
 * Sign in with a token: only a reviewer credential gets a session (and its cookie).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { CredentialStore } from "../credentials/mod.ts";
 * import { InboxSessions } from "./inbox_sessions.ts";
 * import { signIn } from "./inbox_auth.ts";
 * const dir = await Deno.makeTempDir();
 * const deps = { credentials: new CredentialStore(dir), sessions: new InboxSessions() };
 * const app = new Hono().post("/inbox/sign-in", async (c) => {
 *   const result = await signIn(c, deps, await c.req.text());
 *   return "session" in result ? c.text(result.session.reviewer) : c.text(result.problem, result.status);
 * });
 * const signIn_ = (token: string) => app.request("/inbox/sign-in", { method: "POST", body: token });
 * const ok = await signIn_(await deps.credentials.addReviewer("alice"));
 * assert.equal(await ok.text(), "alice");
 * assert.match(ok.headers.get("set-cookie")!, /^tollgate_inbox=[\w-]+;.*HttpOnly/);
 * assert.equal((await signIn_("not-a-token")).status, 401);
 * const { token: proxyToken } = await deps.credentials.enrolProxy("team");
 * assert.equal((await signIn_(proxyToken)).status, 403); // a proxy never gets a session
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function signIn(
  c: Context,
  deps: InboxAuthDeps,
  token: string,
): Promise<SignInResult> {
  const found = await deps.credentials.find(token.trim());
  if (!found) return { status: 401, problem: "That token is not a known credential" };
  if (found.role !== "reviewer") {
    return { status: 403, problem: "Only a reviewer credential may sign in to the inbox" };
  }
  const session = deps.sessions.create(found.name, tokenDigest(token.trim()));
  setCookie(c, SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: "Strict",
    path: r.INBOX,
    maxAge: deps.sessions.maxAgeSeconds,
    secure: deps.secureCookie || new URL(c.req.url).protocol === "https:",
  });
  return { session };
}

/**
 * End the request's session and clear its cookie.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { CredentialStore } from "../credentials/mod.ts";
 * import { InboxSessions, tokenDigest } from "./inbox_sessions.ts";
 * import { type InboxEnv, requireSession, signOut } from "./inbox_auth.ts";
 * const dir = await Deno.makeTempDir();
 * const deps = { credentials: new CredentialStore(dir), sessions: new InboxSessions() };
 * const token = await deps.credentials.addReviewer("alice");
 * const session = deps.sessions.create("alice", tokenDigest(token));
 * const cookie = `tollgate_inbox=${session.id}`;
 * const app = new Hono<InboxEnv>().post("/inbox/sign-out", requireSession(deps), (c) => {
 *   signOut(c, deps);
 *   return c.text("bye");
 * });
 * const headers = { cookie, "x-csrf-token": session.csrf };
 * const res = await app.request("/inbox/sign-out", { method: "POST", headers });
 * assert.match(res.headers.get("set-cookie")!, /^tollgate_inbox=;/); // cleared
 * assert.equal(deps.sessions.get(session.id), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function signOut(c: Context<InboxEnv>, deps: InboxAuthDeps): void {
  deps.sessions.end(c.get("session").id);
  deleteCookie(c, SESSION_COOKIE, { path: r.INBOX });
}

/**
 * Whether a request was sent by another site (the browser says so in `Sec-Fetch-Site`); such
 * a request never changes anything, whatever cookie it carries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { crossSite } from "./inbox_auth.ts";
 * const app = new Hono().post("/", (c) => crossSite(c) ? c.text("Forbidden", 403) : c.text("ok"));
 * const from = (site: string) => app.request("/", { method: "POST", headers: { "sec-fetch-site": site } });
 * assert.equal((await from("cross-site")).status, 403);
 * assert.equal((await from("same-origin")).status, 200);
 * ```
 */
export function crossSite(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  return site === "cross-site" || site === "same-site";
}

// What a client that is not a browser (curl) reads: where to sign in, and with what.
const SIGN_IN_FIRST = `Sign in first: open ${r.INBOX_SIGN_IN} in a browser with a reviewer token ` +
  '("tollgate reviewers add NAME" prints one)\n';

/**
 * Middleware of the signed-in routes: no live session → the sign-in page (303) for a page,
 * 401 for anything else; a POST without the session's CSRF token (form field `csrf` or
 * header `X-CSRF-Token`), or sent by another site → 403.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { CredentialStore } from "../credentials/mod.ts";
 * import { InboxSessions, tokenDigest } from "./inbox_sessions.ts";
 * import { type InboxEnv, requireSession } from "./inbox_auth.ts";
 * const dir = await Deno.makeTempDir();
 * const deps = { credentials: new CredentialStore(dir), sessions: new InboxSessions() };
 * const token = await deps.credentials.addReviewer("alice");
 * const session = deps.sessions.create("alice", tokenDigest(token));
 * const cookie = `tollgate_inbox=${session.id}`;
 * const app = new Hono<InboxEnv>()
 *   .get("/inbox", requireSession(deps), (c) => c.text(c.get("session").reviewer))
 *   .post("/inbox", requireSession(deps), (c) => c.text("changed"));
 * assert.equal(await (await app.request("/inbox", { headers: { cookie } })).text(), "alice");
 * const page = await app.request("/inbox", { headers: { accept: "text/html" } });
 * assert.equal(page.status, 303); // no session: to the sign-in page
 * assert.equal((await app.request("/inbox", { method: "POST", headers: { cookie } })).status, 403); // no CSRF
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function requireSession(deps: InboxAuthDeps): MiddlewareHandler<InboxEnv> {
  return async (c, next) => {
    const session = deps.sessions.get(getCookie(c, SESSION_COOKIE));
    const credential = session && await deps.credentials.findByDigest(session.tokenDigest);
    if (!session || credential?.role !== "reviewer" || credential.name !== session.reviewer) {
      if (session) deps.sessions.end(session.id);
      const page = c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html");
      return page ? c.redirect(r.INBOX_SIGN_IN, 303) : c.text(SIGN_IN_FIRST, 401);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      if (crossSite(c)) return c.text("Refused: the request came from another site\n", 403);
      const form = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
      const given = c.req.header("x-csrf-token") ??
        (typeof form.csrf === "string" ? form.csrf : "");
      if (!csrfMatches(session.csrf, given)) {
        return c.text("Refused: missing or wrong CSRF token; reload the page\n", 403);
      }
    }
    c.set("session", session);
    await next();
  };
}
