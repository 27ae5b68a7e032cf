/**
 * The frame every inbox page shares: document head (one stylesheet and one script of the
 * gateway's own, nothing from elsewhere), the navigation, and the sign-out form. Untrusted
 * text reaches a page only through {@linkcode shown}: `hono/html` escapes the markup, and
 * `visibleText` makes control, escape and bidi characters visible.
 *
 * @module
 */

import { html } from "hono/html";
import { visibleText } from "../repo/mod.ts";
import type { InboxSession } from "./inbox_sessions.ts";
import * as r from "./inbox_routes.ts";

/** A rendered piece of HTML (what `hono/html`'s `html` returns). */
export type Html = ReturnType<typeof html>;

/**
 * Untrusted text for a page: one line, every control, escape and bidi character visible,
 * capped at `max` characters. (`hono/html` escapes `<`, `>`, `&` and quotes on interpolation.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shown } from "./inbox_layout.ts";
 * assert.equal(shown("a\u202eb"), "a<U+202E>b");
 * ```
 */
export function shown(text: unknown, max = 500): string {
  return visibleText(String(text ?? ""), max);
}

/**
 * A whole inbox page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { html } from "hono/html";
 * import { InboxSessions } from "./inbox_sessions.ts";
 * import { inboxPage } from "./inbox_layout.ts";
 * const session = new InboxSessions().create("alice", "0".repeat(64));
 * const page = String(await inboxPage("Pending", html`<p>none</p>`, session));
 * assert.match(page, /<title>Pending · Tollgate inbox<\/title>/);
 * assert.match(page, /Signed in as <strong id="reviewer">alice<\/strong>/);
 * ```
 */
export function inboxPage(title: string, body: Html, session?: InboxSession): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>${title} · Tollgate inbox</title>
        <link rel="stylesheet" href="${r.INBOX_STYLE}">
        <script src="${r.INBOX_SCRIPT}" defer></script>
      </head>
      <body>
        <header>
    <nav aria-label="Inbox">
    <a href="${r.INBOX}">Pending</a>
    <a href="${r.INBOX_HISTORY}">History</a>
    </nav>
    ${session ? signedIn(session) : ""}
        </header>
        <main id="main">
    ${body}
        </main>
        <p id="live" class="hint" aria-live="polite"></p>
      </body>
    </html>
  `;
}

function signedIn(session: InboxSession): Html {
  return html`<form method="post" action="${r.INBOX_SIGN_OUT}" class="who">
<span>Signed in as <strong id="reviewer">${shown(session.reviewer, 64)}</strong></span>
${csrfField(session)}
<button type="submit">Sign out</button>
</form>`;
}

/**
 * The hidden CSRF field every form of a signed-in page carries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InboxSessions } from "./inbox_sessions.ts";
 * import { csrfField } from "./inbox_layout.ts";
 * const session = new InboxSessions().create("alice", "0".repeat(64));
 * assert.equal(String(csrfField(session)), `<input type="hidden" name="csrf" value="${session.csrf}">`);
 * ```
 */
export function csrfField(session: InboxSession): Html {
  return html`<input type="hidden" name="csrf" value="${session.csrf}">`;
}

/**
 * A `<time>` element for an ISO timestamp.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeTag } from "./inbox_layout.ts";
 * const tag = String(timeTag("2026-12-05T12:00:00.000Z"));
 * assert.equal(tag, '<time datetime="2026-12-05T12:00:00.000Z">2026-12-05 12:00:00.000Z</time>');
 * assert.equal(timeTag(undefined), "-");
 * ```
 */
export function timeTag(iso: string | undefined): Html | string {
  if (!iso) return "-";
  return html`<time datetime="${shown(iso, 40)}">${shown(iso.replace("T", " "), 40)}</time>`;
}
