/**
 * The inbox's list pages (pure renderings): the sign-in form, the pending proposals across
 * every policy and sandbox (newest first), and the history of decided ones.
 *
 * @module
 */

import { html } from "hono/html";
import { type ProposalRecord, reviewedBinaries } from "../proposals/mod.ts";
import { type Html, inboxPage, shown, timeTag } from "./inbox_layout.ts";
import type { InboxSession } from "./inbox_sessions.ts";
import * as r from "./inbox_routes.ts";

/**
 * The sign-in page (a reviewer token from `tollgate reviewers add NAME`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signInPage } from "./inbox_list_pages.ts";
 * const page = String(await signInPage("That token is not a reviewer credential <b>"));
 * assert.match(page, /That token is not a reviewer credential &lt;b&gt;/); // escaped
 * ```
 */
export function signInPage(problem?: string): Html {
  return inboxPage(
    "Sign in",
    html`
      <h1>Sign in</h1>
      ${problem ? html`<p role="alert" class="problem">${problem}</p>` : ""}
      <form method="post" action="${r.INBOX_SIGN_IN}">
        <label for="token">Reviewer token (from <code>tollgate reviewers add NAME</code>)</label>
        <input id="token" name="token" type="password" autocomplete="off" required autofocus>
        <button type="submit">Sign in</button>
      </form>
    `,
  );
}

/** Newest first: by creation time (milliseconds), then by id. */
function newestFirst(records: ProposalRecord[]): ProposalRecord[] {
  const key = (p: ProposalRecord) => `${p.meta.created}|${p.id}`;
  return [...records].sort((a, b) => key(b).localeCompare(key(a)));
}

function findingsBadge(record: ProposalRecord): Html | string {
  const warn = record.meta.findings.filter((f) => f.severity !== "info").length;
  return warn
    ? html`
      <span class="badge warn">${warn} finding${warn === 1 ? "" : "s"}</span>
    `
    : "";
}

/**
 * The pending list alone (`<ol id="pending">`), which the page script swaps in on each event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { pendingList } from "./inbox_list_pages.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const list = String(await pendingList(await store.list({ status: "pending" })));
 * assert(list.includes(`/inbox/proposals/${submitted.proposal.id}`));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function pendingList(records: ProposalRecord[]): Html {
  const rows = newestFirst(records).map((p) =>
    html`<li data-row data-id="${p.id}">
<a href="${r.proposalPath(p.id)}" class="summary">${shown(p.meta.summary, 200)}</a>
<span class="meta">${shown(p.meta.policy, 64)} · ${shown(p.meta.sandbox ?? "-", 64)} · ${
      shown(reviewedBinaries(p.rule), 300)
    } · ${timeTag(p.meta.created)}</span>${findingsBadge(p)}
</li>`
  );
  return html`<ol id="pending" class="rows" data-count="${records.length}">${rows}</ol>
${records.length === 0 ? html`<p class="empty">No pending proposals.</p>` : ""}`;
}

/**
 * The inbox's front page: pending proposals, live.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { InboxSessions } from "./inbox_sessions.ts";
 * import { pendingPage } from "./inbox_list_pages.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const session = new InboxSessions().create("alice", "0".repeat(64));
 * const page = String(await pendingPage(await store.list({ status: "pending" }), session));
 * assert.match(page, /<title>Pending · Tollgate inbox<\/title>/);
 * assert(page.includes(submitted.proposal.id));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function pendingPage(records: ProposalRecord[], session: InboxSession): Html {
  return inboxPage(
    "Pending",
    html`<h1>Pending proposals</h1>
<p class="hint">New proposals appear here as agents submit them.
Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> open, <kbd>a</kbd> approve, <kbd>r</kbd> reject.</p>
<div id="pending-live" data-live="${r.INBOX_PENDING_FRAGMENT}">${pendingList(records)}</div>`,
    session,
  );
}

/** A decided proposal's history row. */
export interface HistoryEntry {
  /** The proposal. */
  record: ProposalRecord;
  /** Its approval commit, when found. */
  commit?: string;
}

function historyRow({ record: p, commit }: HistoryEntry): Html {
  const d = p.meta.decision;
  return html`
    <tr data-row data-id="${p.id}">
      <td><a href="${r.proposalPath(p.id)}">${shown(p.meta.summary, 200)}</a></td>
      <td class="state-${p.state}">${p.state}</td>
      <td>${shown(d?.by ?? "-", 100)}</td>
      <td>${timeTag(d?.at)}</td>
      <td>${d?.revision ?? "-"}</td>
      <td><code>${commit ? commit.slice(0, 12) : "-"}</code></td>
    </tr>
  `;
}

/**
 * Approved and rejected proposals, newest decision first: who, when, the commit, the revision.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { InboxSessions } from "./inbox_sessions.ts";
 * import { historyPage } from "./inbox_list_pages.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const session = new InboxSessions().create("alice", "0".repeat(64));
 * await store.reject(submitted.proposal.id, { reason: "too broad" });
 * const entries = (await store.list({ status: "rejected" })).map((record) => ({ record }));
 * const page = String(await historyPage(entries, session));
 * assert(page.includes(submitted.proposal.id));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function historyPage(entries: HistoryEntry[], session: InboxSession): Html {
  const sorted = [...entries].sort((a, b) =>
    (b.record.meta.decision?.at ?? "").localeCompare(a.record.meta.decision?.at ?? "")
  );
  return inboxPage(
    "History",
    html`
      <h1>History</h1>
      <table class="rows">
        <thead>
          <tr>
            <th scope="col">Proposal</th>
            <th scope="col">Decision</th>
            <th scope="col">By</th>
            <th scope="col">When</th>
            <th scope="col">Revision</th>
            <th scope="col">Commit</th>
          </tr>
        </thead>
        <tbody>${sorted.map(historyRow)}</tbody>
      </table>
      ${sorted.length === 0 ? html`<p class="empty">Nothing decided yet.</p>` : ""}
    `,
    session,
  );
}
