/**
 * Terminal renderings of proposals (pure): the list, one proposal, its coloured diff, and
 * OpenShell's `rule get` layout. Every string that came from an agent or a file is made
 * visible first; colour is added only when asked for.
 *
 * @module
 */

import { ANY_BINARY, formatBinaries, formatEndpoints } from "../../proxy/policy/mod.ts";
import type { ProposalRecord } from "./proposal_record.ts";
import { visibleText } from "../repo/mod.ts";

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;

/** Wrap text in an ANSI colour when `on`. */
function paint(on: boolean, color: keyof typeof CODES, text: string): string {
  return on ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}

const STATE_COLOR = { pending: "yellow", approved: "green", rejected: "red" } as const;

/** One line, safe for a terminal. */
const v = (text: string, max = 500) => visibleText(text, max);

/**
 * The JSON object of a proposal for `--json` output.
 *
 * @example
 * ```ts ignore
 * ctx.out(JSON.stringify(records.map(proposalJson)));
 * ```
 */
export function proposalJson(r: ProposalRecord): Record<string, unknown> {
  const d = r.meta.decision;
  return {
    id: r.id,
    status: r.state,
    policy: r.meta.policy,
    rule_name: r.meta.ruleKey,
    summary: r.meta.summary,
    binary: r.rule.binaries?.[0]?.path ?? r.meta.binary,
    created: r.meta.created,
    findings: r.meta.findings,
    rule: r.rule,
    rationale: r.meta.rationale,
    ...(r.state !== "pending" && d ? { decision: d } : {}),
  };
}

/**
 * JSON text that is safe on a terminal: besides what JSON escapes, DEL, C1 controls and bidi
 * characters are written as `\uXXXX` escapes (same value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeJson } from "./render_proposals.ts";
 * assert.equal(safeJson({ a: "\u009b" }), '{"a":"\\u009b"}');
 * ```
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The `proposals list` table.
 *
 * @example
 * ```ts ignore
 * ctx.out(renderProposalList(await store.list(), useColor(ctx)));
 * ```
 */
export function renderProposalList(records: ProposalRecord[], color: boolean): string {
  if (records.length === 0) return "No proposals\n";
  const rows = records.map((r) => [r.id, r.state, v(r.meta.policy, 64), v(r.meta.summary, 200)]);
  const head = ["ID", "STATUS", "POLICY", "SUMMARY"];
  // Column widths once (a loop, not Math.max(...rows): that spreads 20,000 arguments per cell).
  const widths = head.map((h) => h.length);
  for (const row of rows) row.forEach((cell, i) => widths[i] = Math.max(widths[i]!, cell.length));
  const line = (row: string[], state?: ProposalRecord["state"]) =>
    row.map((cell, i) => {
      const padded = i < 3 ? cell.padEnd(Math.max(widths[i]!, 6)) : cell;
      return i === 1 && state ? paint(color, STATE_COLOR[state], padded) : padded;
    }).join("  ").trimEnd();
  return [line(head), ...rows.map((row, i) => line(row, records[i]!.state))].join("\n") + "\n";
}

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
 * ```ts ignore
 * ctx.out(renderRuleChunk(record, useColor(ctx)));
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
    `  Binary:     ${v(r.rule.binaries ? r.rule.binaries[0]?.path ?? "-" : ANY_BINARY, 300)}`,
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
 * ```ts ignore
 * ctx.out(renderProposalDetail(record, useColor(ctx)));
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
