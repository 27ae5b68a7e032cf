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
 * ```ts ignore
 * const result = await signIn(c, deps, String(form.token));
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
 * ```ts ignore
 * signOut(c, deps);
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
 * ```ts ignore
 * if (crossSite(c)) return c.text("Forbidden", 403);
 * ```
 */
export function crossSite(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  return site === "cross-site" || site === "same-site";
}

/**
 * Middleware of the signed-in routes: no live session → the sign-in page (303) for a page,
 * 401 for anything else; a POST without the session's CSRF token (form field `csrf` or
 * header `X-CSRF-Token`), or sent by another site → 403.
 *
 * @example
 * ```ts ignore
 * app.get("/inbox", requireSession(deps), (c) => c.html(...));
 * ```
 */
export function requireSession(deps: InboxAuthDeps): MiddlewareHandler<InboxEnv> {
  return async (c, next) => {
    const session = deps.sessions.get(getCookie(c, SESSION_COOKIE));
    const credential = session && await deps.credentials.findByDigest(session.tokenDigest);
    if (!session || credential?.role !== "reviewer" || credential.name !== session.reviewer) {
      if (session) deps.sessions.end(session.id);
      const page = c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html");
      return page ? c.redirect(r.INBOX_SIGN_IN, 303) : c.text("Sign in first\n", 401);
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
