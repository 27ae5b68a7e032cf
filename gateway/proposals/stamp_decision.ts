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
  /^(Approved-By|Approved-At|Policy-Revision|Policy-Hash|Base-Policy-Hash|Rejected-By|Rejected-At|Rejection-Reason|Guidance|Scope|Expires|Applied-Rule-Key): /;

/**
 * Record a decision in a proposal patch's trailers (replacing any earlier one), and
 * optionally replace its diff; every other line stays byte-identical.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { parseProposalPatch } from "./parse_proposal_patch.ts";
 * import { stampDecision } from "./stamp_decision.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const text = await Deno.readTextFile(`${dir}/pending/${id}.patch`);
 * const at = "2026-12-05T12:00:00.000Z";
 * const stamped = stampDecision(text, { status: "rejected", by: "alice", at, reason: "too broad" });
 * assert.equal(parseProposalPatch(stamped).meta.decision?.reason, "too broad");
 * assert.equal(parseProposalPatch(stamped).diff, parseProposalPatch(text).diff);
 * await Deno.remove(dir, { recursive: true });
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
