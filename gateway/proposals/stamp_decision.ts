/**
 * Record a decision in a proposal patch: the decision trailers replaced, the diff optionally
 * replaced, every other line byte-identical (the reviewed text stays the reviewed text).
 *
 * @module
 */

import { diffStat } from "./rule_diff.ts";
import { decisionLines, type ProposalDecision } from "./proposal_patch.ts";
import { parseProposalPatch } from "./parse_proposal_patch.ts";

const DECISION_KEYS =
  /^(Approved-By|Approved-At|Policy-Revision|Policy-Hash|Base-Policy-Hash|Rejected-By|Rejected-At|Rejection-Reason|Guidance|Scope|Expires): /;

/**
 * Record a decision in a proposal patch's trailers (replacing any earlier one), and
 * optionally replace its diff; every other line stays byte-identical.
 *
 * @example
 * ```ts ignore
 * const stamped = stampDecision(text, { status: "rejected", by: "alice", at, reason: "too broad" });
 * ```
 */
export function stampDecision(text: string, decision: ProposalDecision, diff?: string): string {
  const lines = text.split("\n");
  const blank = lines.indexOf("");
  const sep = lines.indexOf("---", blank);
  if (blank < 0 || sep < 0) throw new SyntaxError("Not a proposal patch");
  const head = lines.slice(0, sep).filter((l, i) => i <= blank || !DECISION_KEYS.test(l));
  let tail = lines.slice(sep);
  if (diff !== undefined) {
    const { meta } = parseProposalPatch(text);
    const sig = [...tail.keys()].filter((i) => tail[i] === "-- ").at(-1) ?? tail.length;
    const body = diff.endsWith("\n") ? diff.slice(0, -1) : diff;
    tail = ["---", diffStat(meta.path, diff), body, ...tail.slice(sig)];
  }
  return [...head, ...decisionLines(decision), ...tail].join("\n");
}
