/**
 * Terminal renderings of one proposal (pure): its coloured diff, its detail, and OpenShell's
 * `rule get` layout (the list's renderings are in `gateway/listing/`). Every string that came from an agent or a file is made
 * visible first; colour is added only when asked for.
 *
 * @module
 */

import { formatBinaries, formatEndpoints } from "../../proxy/policy/mod.ts";
import { reviewedBinaries } from "./summarize_rule.ts";
import type { ProposalRecord } from "./proposal_record.ts";
import { visibleText } from "../repo/mod.ts";
import { paint, STATE_COLOR } from "../listing/mod.ts";

/** One line, safe for a terminal. */
const v = (text: string, max = 500) => visibleText(text, max);

/**
 * A unified diff for a person: each line made visible; with colour, added lines green,
 * removed red, hunk headers cyan, file headers bold.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderDiff } from "./render_proposals.ts";
 * assert.equal(renderDiff("+a\x1b\n", false), "+a\u241b\n");
 * ```
 */
export function renderDiff(diff: string, color: boolean): string {
  const lines = diff.replace(/\n$/, "").split("\n").map((raw) => {
    const line = visibleText(raw, 10_000);
    if (/^(diff --git|index |--- |\+\+\+ )/.test(raw)) return paint(color, "bold", line);
    if (raw.startsWith("@@")) return paint(color, "cyan", line);
    if (raw.startsWith("+")) return paint(color, "green", line);
    if (raw.startsWith("-")) return paint(color, "red", line);
    return line;
  });
  return lines.join("\n") + "\n";
}

function decisionLine(r: ProposalRecord): string | undefined {
  const d = r.meta.decision;
  if (r.state === "approved" && d) {
    return `approved by ${v(d.by, 200)} (revision ${d.revision ?? "?"})`;
  }
  if (r.state === "rejected" && d) {
    const guidance = d.guidance ? ` [guidance: ${d.guidance}]` : "";
    return `rejected by ${v(d.by, 200)}: ${v(d.reason ?? "", 500)}${guidance}`;
  }
  return undefined;
}

/**
 * One proposal in OpenShell's `rule get` layout: Proposal, Status, Rule, Binary, Rationale,
 * Endpoints (format_endpoint form), Binaries, Checks, and the decision when there is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { findProposalRecord } from "./proposal_record.ts";
 * import { renderRuleChunk } from "./render_proposals.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const chunk = renderRuleChunk((await findProposalRecord(dir, id))!, false);
 * assert.match(chunk, /^ {2}Status: {5}pending$/m);
 * assert.match(chunk, /^ {2}Endpoints: {2}api\.github\.com:443 \[L4\]$/m);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function renderRuleChunk(r: ProposalRecord, color: boolean): string {
  const rationale = r.meta.rationale.split("\n").map((l) => v(l, 2_000));
  const checks = r.meta.findings.length
    ? r.meta.findings.map((f) => `${f.severity} ${f.code}: ${v(f.message)}`)
    : ["none"];
  const lines = [
    `  Proposal:   ${r.id}`,
    `  Status:     ${paint(color, STATE_COLOR[r.state], r.state)}`,
    `  Rule:       ${v(r.meta.ruleKey, 100)}`,
    `  Binary:     ${v(reviewedBinaries(r.rule), 1_000)}`,
    `  Rationale:  ${rationale[0] ?? ""}`,
    ...rationale.slice(1).map((l) => `              ${l}`),
    `  Endpoints:  ${v(formatEndpoints(r.rule.endpoints), 2_000)}`,
    `  Binaries:   ${v(formatBinaries(r.rule), 1_000)}`,
    `  Checks:     ${checks[0]}`,
    ...checks.slice(1).map((c) => `              ${c}`),
  ];
  const decision = decisionLine(r);
  if (decision) lines.push(`  Decision:   ${decision}`);
  return lines.join("\n") + "\n";
}

/**
 * The full `proposals show` view: summary, state, files, findings, rationale and diff.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { findProposalRecord } from "./proposal_record.ts";
 * import { renderProposalDetail } from "./render_proposals.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const detail = renderProposalDetail((await findProposalRecord(dir, id))!, false);
 * assert(detail.startsWith("policy(team): allow api.github.com:443"));
 * assert.match(detail, /^\+ {2}gh:$/m);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function renderProposalDetail(r: ProposalRecord, color: boolean): string {
  return [
    paint(color, "bold", v(r.meta.summary, 300)),
    `  Created:    ${v(r.meta.created, 40)}`,
    `  File:       ${v(r.file, 1_000)}`,
    renderRuleChunk(r, color).trimEnd(),
    "",
    renderDiff(r.diff, color),
  ].join("\n");
}
