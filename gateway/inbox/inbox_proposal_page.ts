/**
 * One proposal's inbox page (pure rendering): the summary, sandbox and binary; the rule in
 * OpenShell's `format_endpoint` form; the coloured diff; the check findings; the agent's
 * rationale as inert text; the recent denials that led to it; and either the approve and
 * reject forms or the decision (who, when, the revision and the commit).
 *
 * @module
 */

import { html } from "hono/html";
import { formatEndpoint } from "../../proxy/policy/mod.ts";
import { GUIDANCE } from "../../proxy/policy_local/mod.ts";
import { type ProposalRecord, reviewedBinaries } from "../proposals/mod.ts";
import { csrfField, type Html, inboxPage, shown, timeTag } from "./inbox_layout.ts";
import type { InboxSession } from "./inbox_sessions.ts";
import type { ShownDenial } from "./proposal_denials.ts";
import * as r from "./inbox_routes.ts";

/** What the proposal page shows besides the record. */
export interface ProposalPageData {
  /** The proposal. */
  record: ProposalRecord;
  /** Recent denials of its sandbox to its hosts. */
  denials: ShownDenial[];
  /** Its approval commit, when approved in a Git repository. */
  commit?: string;
  /** A problem to show at the top (a refused approval). */
  problem?: string;
  /** Hash of the policy the page was read against (pending only): its approval names it. */
  policyHash?: string;
}

function diffClass(line: string): string {
  if (/^(diff --git|index |--- |\+\+\+ )/.test(line)) return "file";
  if (line.startsWith("@@")) return "hunk";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  return "ctx";
}

function diffBlock(diff: string): Html {
  const lines = diff.replace(/\n$/, "").split("\n");
  return html`<pre class="diff" aria-label="Diff">${
    lines.map((l) => html`<span class="${diffClass(l)}">${shown(l, 10_000)}</span>\n`)
  }</pre>`;
}

function ruleBlock(p: ProposalRecord): Html {
  const endpoints = p.rule.endpoints.map((e) =>
    html`<li><code>${shown(formatEndpoint(e), 2_000)}</code></li>`
  );
  // A rule without binaries grants any binary (OpenShell's reading): say so plainly.
  const binaries = p.rule.binaries?.map((b) => html`<li><code>${shown(b.path, 300)}</code></li>`) ??
    [html`<li><strong>any binary</strong></li>`];
  return html`<section aria-labelledby="rule-h"><h2 id="rule-h">Rule <code>${
    shown(p.meta.ruleKey, 100)
  }</code></h2>
${p.ruleError ? html`<p class="problem">${shown(p.ruleError)}</p>` : ""}
<h3>Endpoints</h3><ul class="endpoints">${endpoints}</ul>
<h3>Binaries</h3><ul class="binaries">${binaries}</ul>
</section>`;
}

function findingsBlock(p: ProposalRecord): Html {
  const items = p.meta.findings.map((f) =>
    html`
      <li
        class="finding ${f.severity}"><strong>${f.severity}</strong> <code>${f
          .code}</code>: ${shown(f.message)}</li>
    `
  );
  return html`<section aria-labelledby="checks-h"><h2 id="checks-h">Checks</h2>
${items.length ? html`<ul class="findings">${items}</ul>` : html`<p>No findings.</p>`}</section>`;
}

function rationaleBlock(p: ProposalRecord): Html {
  const lines = p.meta.rationale.replace(/\n$/, "").split("\n").map((l) => shown(l, 2_000));
  return html`
    <section aria-labelledby="why-h">
      <h2 id="why-h">Rationale <small>(written by the agent; untrusted)</small></h2>
      <pre class="untrusted" id="rationale">${lines.join("\n")}</pre>
    </section>
  `;
}

function denialsBlock(denials: ShownDenial[]): Html {
  const items = denials.map((d) =>
    html`<li>${timeTag(d.time)} <code>${shown(d.line, 1_000)}</code></li>`
  );
  return html`<section aria-labelledby="denials-h"><h2 id="denials-h">Recent denials</h2>
${
    items.length
      ? html`<ol class="denials">${items}</ol>`
      : html`<p>None in this gateway's log.</p>`
  }</section>`;
}

function decideForms(p: ProposalRecord, session: InboxSession, policyHash: string): Html {
  const options = GUIDANCE.map((g) => html`<option value="${g}">${g}</option>`);
  return html`
    <section aria-labelledby="decide-h" class="decide">
      <h2 id="decide-h">Decide</h2>
      <form method="post" action="${r.proposalPath(p.id, "approve")}" id="approve-form">
    ${csrfField(session)}
    <input type="hidden" name="policy_hash" value="${policyHash}">
    <button type="submit" id="approve" class="approve">Approve</button>
      </form>
      <form method="post" action="${r.proposalPath(p.id, "reject")}" id="reject-form">
    ${csrfField(session)}
    <label for="reason">Reason (the agent reads it)</label>
    <textarea id="reason" name="reason" rows="2" maxlength="2000" required></textarea>
    <label for="guidance">Guidance</label>
    <select id="guidance" name="guidance"><option value="">(none)</option>${options}</select>
    <button type="submit" id="reject" class="reject">Reject</button>
      </form>
    </section>
  `;
}

function decisionBlock(p: ProposalRecord, commit: string | undefined): Html {
  const d = p.meta.decision;
  return html`
    <section aria-labelledby="decision-h">
      <h2 id="decision-h">Decision</h2>
      <dl class="decision" id="decision" data-status="${p.state}">
    <dt>Status</dt><dd class="state-${p.state}">${p.state}</dd>
    <dt>By</dt><dd>${shown(d?.by ?? "-", 100)}</dd>
    <dt>When</dt><dd>${timeTag(d?.at)}</dd>
    ${d?.revision !== undefined
      ? html`
        <dt>Revision</dt>
        <dd id="revision">${d.revision}</dd>
      `
      : ""}
    ${commit
      ? html`
        <dt>Commit</dt>
        <dd><code id="commit">${commit}</code></dd>
      `
      : ""}
    ${d?.reason !== undefined
      ? html`
        <dt>Reason</dt>
        <dd>${shown(d.reason)}</dd>
      `
      : ""}
    ${d?.guidance
      ? html`
        <dt>Guidance</dt>
        <dd><code>${d.guidance}</code></dd>
      `
      : ""}
      </dl>
    </section>
  `;
}

/**
 * The page of one proposal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { InboxSessions } from "./inbox_sessions.ts";
 * import { proposalPage } from "./inbox_proposal_page.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const session = new InboxSessions().create("alice", "0".repeat(64));
 * const record = (await store.get(submitted.proposal.id))!;
 * const page = String(await proposalPage({ record, denials: [] }, session));
 * assert(page.includes(`data-proposal="${record.id}" data-status="pending"`));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function proposalPage(data: ProposalPageData, session: InboxSession): Html {
  const p = data.record;
  return inboxPage(
    shown(p.meta.summary, 80),
    html`<article data-proposal="${p.id}" data-status="${p.state}">
<h1>${shown(p.meta.summary, 300)}</h1>
${data.problem ? html`<p role="alert" class="problem">${shown(data.problem)}</p>` : ""}
<dl class="facts">
<dt>Proposal</dt><dd><code>${p.id}</code></dd>
<dt>Status</dt><dd class="state-${p.state}">${p.state}</dd>
<dt>Policy</dt><dd>${shown(p.meta.policy, 64)}</dd>
<dt>Sandbox</dt><dd>${shown(p.meta.sandbox ?? "-", 64)}</dd>
<dt>Binary</dt><dd><code>${shown(reviewedBinaries(p.rule), 1_000)}</code></dd>
<dt>Created</dt><dd>${timeTag(p.meta.created)}</dd>
</dl>
${
      p.state === "pending"
        ? decideForms(p, session, data.policyHash ?? "")
        : decisionBlock(p, data.commit)
    }
${ruleBlock(p)}
<section aria-labelledby="diff-h"><h2 id="diff-h">Diff</h2>${diffBlock(p.diff)}</section>
${findingsBlock(p)}
${rationaleBlock(p)}
${denialsBlock(data.denials)}
</article>`,
    session,
  );
}
