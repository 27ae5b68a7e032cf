/**
 * Signed-in inbox sessions, kept in the gateway's memory (a restart signs everyone out). A
 * session is bought with a reviewer token, lives behind an HttpOnly, SameSite=Strict cookie,
 * carries its own CSRF token, and expires: idle after `idleMs`, absolutely after `maxAgeMs`.
 * Only the SHA-256 of the reviewer token is kept, so each request re-checks that the reviewer
 * still exists (`tollgate reviewers remove` ends their sessions at once).
 *
 * @module
 */

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** One signed-in reviewer. */
export interface InboxSession {
  /** The cookie value (random, 256 bits). */
  id: string;
  /** The reviewer's name (`Approved-By`). */
  reviewer: string;
  /** SHA-256 hex of the reviewer token the session was bought with. */
  tokenDigest: string;
  /** The value every POST must echo (form field `csrf` or header `X-CSRF-Token`). */
  csrf: string;
  /** When the session was created (ms since the epoch). */
  created: number;
  /** When the session was last used (ms since the epoch). */
  lastSeen: number;
}

/** Options of {@linkcode InboxSessions}. */
export interface InboxSessionOptions {
  /** A session unused this long ends (default 30 minutes). */
  idleMs?: number;
  /** A session ends this long after sign-in, used or not (default 8 hours). */
  maxAgeMs?: number;
  /** Sessions kept at most; the oldest is dropped first (default 1000). */
  maxSessions?: number;
  /** Clock (tests move it). */
  now?: () => number;
}

const defaults = {
  idleMs: 30 * 60_000,
  maxAgeMs: 8 * 60 * 60_000,
  maxSessions: 1000,
  now: () => Date.now(),
} satisfies Required<InboxSessionOptions>;

/**
 * The session table of one gateway.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InboxSessions } from "./inbox_sessions.ts";
 * const sessions = new InboxSessions();
 * const s = sessions.create("alice", "0".repeat(64));
 * assert.equal(sessions.get(s.id)?.reviewer, "alice");
 * sessions.end(s.id);
 * assert.equal(sessions.get(s.id), undefined);
 * ```
 */
export class InboxSessions {
  readonly #o: Required<InboxSessionOptions>;
  readonly #byId = new Map<string, InboxSession>();

  /** An empty table. */
  constructor(options: InboxSessionOptions = {}) {
    this.#o = { ...defaults, ...options };
  }

  /** Seconds a fresh session cookie may live (its `Max-Age`). */
  get maxAgeSeconds(): number {
    return Math.floor(this.#o.maxAgeMs / 1000);
  }

  /** Start a session for reviewer `reviewer`, signed in with the token of digest `tokenDigest`. */
  create(reviewer: string, tokenDigest: string): InboxSession {
    this.#prune();
    const now = this.#o.now();
    const session = {
      id: randomBytes(32).toString("base64url"),
      reviewer,
      tokenDigest,
      csrf: randomBytes(32).toString("base64url"),
      created: now,
      lastSeen: now,
    };
    this.#byId.set(session.id, session);
    return session;
  }

  /** The live session of cookie value `id` (its idle clock restarts), or undefined. */
  get(id: string | undefined): InboxSession | undefined {
    if (id === undefined) return undefined;
    const session = this.#byId.get(id);
    if (!session) return undefined;
    const now = this.#o.now();
    if (this.#expired(session, now)) {
      this.#byId.delete(id);
      return undefined;
    }
    session.lastSeen = now;
    return session;
  }

  /** Whether session `id` is live, without restarting its idle clock (an open stream is not use). */
  alive(id: string): boolean {
    const session = this.#byId.get(id);
    return session !== undefined && !this.#expired(session, this.#o.now());
  }

  /** End a session (sign-out, or its reviewer is gone). */
  end(id: string): void {
    this.#byId.delete(id);
  }

  #expired(session: InboxSession, now: number): boolean {
    return now - session.lastSeen > this.#o.idleMs || now - session.created > this.#o.maxAgeMs;
  }

  #prune(): void {
    const now = this.#o.now();
    for (const [id, session] of this.#byId) {
      if (this.#expired(session, now)) this.#byId.delete(id);
    }
    // Map order is insertion order: the first entries are the oldest sessions.
    for (const id of this.#byId.keys()) {
      if (this.#byId.size < this.#o.maxSessions) break;
      this.#byId.delete(id);
    }
  }
}

/**
 * Whether a submitted CSRF value is the session's (constant time).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csrfMatches } from "./inbox_sessions.ts";
 * assert.equal(csrfMatches("abc", "abc"), true);
 * assert.equal(csrfMatches("abc", undefined), false);
 * ```
 */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || given === "") return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

/**
 * SHA-256 hex of a token (what `CredentialStore` names its files by).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenDigest } from "./inbox_sessions.ts";
 * assert.equal(tokenDigest("").length, 64);
 * ```
 */
export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
