/**
 * The proposal listing's renderings (pure): the `proposals list` table and the JSON object of
 * a proposal. Every string that came from an agent or a file is made visible first; colour is
 * added only when asked for.
 *
 * @module
 */

import { visibleText } from "../text/mod.ts";
import type { ListedProposal } from "./listed_proposal.ts";

/** The colours and styles `paint` knows. */
export type PaintColor = "red" | "green" | "yellow" | "cyan" | "bold" | "dim";

const CODES: Record<PaintColor, number> = {
  red: 31,
  green: 32,
  yellow: 33,
  cyan: 36,
  bold: 1,
  dim: 2,
};

/**
 * Wrap text in an ANSI colour when `on`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paint } from "./render_proposal_list.ts";
 * assert.equal(paint(false, "red", "x"), "x");
 * assert.equal(paint(true, "red", "x"), "\x1b[31mx\x1b[0m");
 * ```
 */
export function paint(on: boolean, color: PaintColor, text: string): string {
  return on ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}

/** The colour of each proposal state. */
export const STATE_COLOR = { pending: "yellow", approved: "green", rejected: "red" } as const;

/** One line, safe for a terminal. */
const v = (text: string, max = 500) => visibleText(text, max);

/**
 * The JSON object of a proposal for `--json` output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proposalJson } from "./render_proposal_list.ts";
 * const rule = { endpoints: [{ host: "h", port: 443 }], binaries: [{ path: "/b" }] };
 * const meta = { policy: "team", ruleKey: "k", created: "c", summary: "s", findings: [], rationale: "r" };
 * assert.equal(proposalJson({ id: "p-1", state: "pending", meta, rule }).binary, "/b");
 * ```
 */
export function proposalJson(r: ListedProposal): Record<string, unknown> {
  const d = r.meta.decision;
  return {
    id: r.id,
    status: r.state,
    policy: r.meta.policy,
    rule_name: r.meta.ruleKey,
    summary: r.meta.summary,
    binary: r.rule.binaries?.[0]?.path ?? r.meta.binary,
    binaries: r.rule.binaries?.map((b) => b.path) ?? [],
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
 * import { safeJson } from "./render_proposal_list.ts";
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderProposalList } from "./render_proposal_list.ts";
 * assert.equal(renderProposalList([], false), "No proposals\n");
 * ```
 */
export function renderProposalList(records: ListedProposal[], color: boolean): string {
  if (records.length === 0) return "No proposals\n";
  const rows = records.map((r) => [r.id, r.state, v(r.meta.policy, 64), v(r.meta.summary, 200)]);
  const head = ["ID", "STATUS", "POLICY", "SUMMARY"];
  // Column widths once (a loop, not Math.max(...rows): that spreads 20,000 arguments per cell).
  const widths = head.map((h) => h.length);
  for (const row of rows) row.forEach((cell, i) => widths[i] = Math.max(widths[i]!, cell.length));
  const line = (row: string[], state?: ListedProposal["state"]) =>
    row.map((cell, i) => {
      const padded = i < 3 ? cell.padEnd(Math.max(widths[i]!, 6)) : cell;
      return i === 1 && state ? paint(color, STATE_COLOR[state], padded) : padded;
    }).join("  ").trimEnd();
  return [line(head), ...rows.map((row, i) => line(row, records[i]!.state))].join("\n") + "\n";
}
