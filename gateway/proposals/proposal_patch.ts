/**
 * A proposal as a `git format-patch` mail: a one-line subject, a body with the sandbox, the
 * binary, the check findings and the agent's rationale (quoted, made visible), trailers, then
 * the diff. `git apply --check` and `git am` accept it; `parseProposalPatch`
 * (parse_proposal_patch.ts) reads it back, `stampDecision` (stamp_decision.ts) records a decision.
 *
 * @module
 */

import type { Guidance } from "../../proxy/policy_local/mod.ts";
import { diffStat } from "./rule_diff.ts";
import type { RuleScope } from "../../proxy/policy/mod.ts";
import { quoteUntrusted, visibleText } from "../repo/mod.ts";
import type { ListedMeta } from "../listing/mod.ts";

/** The decision recorded in a decided proposal's trailers. */
export interface ProposalDecision {
  /** The decision. */
  status: "approved" | "rejected";
  /** Who decided (visible text). */
  by: string;
  /** ISO time of the decision. */
  at: string;
  /** Policy revision the approval produced. */
  revision?: number;
  /** Hash of the policy the approval produced (`candidate_effective_policy_hash`). */
  hash?: string;
  /** Hash of the policy the approval was applied to (`current_effective_policy_hash`). */
  baseHash?: string;
  /** How long the approved rule lives (`durable` when absent). */
  scope?: RuleScope;
  /** ISO time from which a once or lease rule allows nothing. */
  expires?: string;
  /** The key the rule was written under, when not the reviewed one (a rule bound to a sandbox). */
  key?: string;
  /** Rejection reason (visible text). */
  reason?: string;
  /** Rejection guidance code. */
  guidance?: Guidance;
}

/** Everything a proposal patch says besides its diff. */
export interface ProposalMeta extends ListedMeta {
  /** Proposal id. */
  id: string;
  /** Path of the policy file inside the diff (`policies/team.yaml`). */
  path: string;
  /** The recorded decision, once decided. */
  decision?: ProposalDecision;
}

const ZERO = "0".repeat(40);
/** The body line that opens the quoted rationale. */
export const RATIONALE_HEAD = "Rationale (agent-supplied, untrusted):";

function trailerLines(meta: ProposalMeta): string[] {
  const lines = [
    `Proposal-Id: ${meta.id}`,
    `Policy: ${meta.policy}`,
    `Rule-Key: ${meta.ruleKey}`,
    `Created: ${meta.created}`,
  ];
  if (meta.sandbox !== undefined) lines.push(`Sandbox-Id: ${one(meta.sandbox)}`);
  // Whole (a gateway took it only absolute and printable): the checks read it back.
  if (meta.workdir !== undefined) lines.push(`Sandbox-Workdir: ${visibleText(meta.workdir, 4096)}`);
  return [...lines, ...decisionLines(meta.decision)];
}

/** The trailers that record decision `d` (none while it is pending). */
export function decisionLines(d: ProposalDecision | undefined): string[] {
  const lines: string[] = [];
  if (d?.status === "approved") {
    lines.push(`Approved-By: ${one(d.by)}`, `Approved-At: ${d.at}`);
    if (d.revision !== undefined) lines.push(`Policy-Revision: ${d.revision}`);
    if (d.hash !== undefined) lines.push(`Policy-Hash: ${d.hash}`);
    if (d.baseHash !== undefined) lines.push(`Base-Policy-Hash: ${d.baseHash}`);
    if (d.scope !== undefined) lines.push(`Scope: ${d.scope}`);
    if (d.expires !== undefined) lines.push(`Expires: ${d.expires}`);
    if (d.key !== undefined) lines.push(`Applied-Rule-Key: ${one(d.key)}`);
  } else if (d?.status === "rejected") {
    lines.push(`Rejected-By: ${one(d.by)}`, `Rejected-At: ${d.at}`);
    lines.push(`Rejection-Reason: ${one(d.reason ?? "")}`);
    if (d.guidance) lines.push(`Guidance: ${d.guidance}`);
  }
  return lines;
}

function one(text: string): string {
  return visibleText(text, 500);
}

/**
 * Render a proposal patch file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProposalPatch } from "./proposal_patch.ts";
 * import { parseProposalPatch } from "./parse_proposal_patch.ts";
 * import { buildFileDiff } from "./rule_diff.ts";
 * const meta = {
 *   id: "p-20261205T120000-abc123",
 *   path: "team.yaml",
 *   policy: "team",
 *   ruleKey: "gh",
 *   created: "2026-12-05T12:00:00.000Z",
 *   summary: "policy(team): allow api.github.com:443",
 *   findings: [],
 *   rationale: "the agent's reason",
 * };
 * const diff = buildFileDiff("team.yaml", "version: 1\n", "version: 1\nnetwork_policies: {}\n");
 * const text = formatProposalPatch(meta, diff);
 * assert.match(text, /^Subject: \[PATCH\] policy\(team\): allow api\.github\.com:443$/m);
 * assert.equal(parseProposalPatch(text).meta.rationale, "the agent's reason");
 * ```
 */
export function formatProposalPatch(
  meta: ProposalMeta,
  diff: string,
  rationaleMax = 2000,
): string {
  const findings = meta.findings.length
    ? meta.findings.map((f) => `  - ${f.severity} ${f.code}: ${one(f.message)}`)
    : ["  - none"];
  const body = [
    `Sandbox: ${one(meta.policy)}`,
    `Binary: ${one(meta.binary ?? "-")}`,
    `Rule: ${one(meta.ruleKey)}`,
    "",
    "Checks:",
    ...findings,
    "",
    RATIONALE_HEAD,
    quoteUntrusted(meta.rationale, rationaleMax),
    "",
    ...trailerLines(meta),
  ];
  return [
    `From ${ZERO} Mon Sep 17 00:00:00 2001`,
    "From: Tollgate <tollgate@localhost>",
    `Date: ${new Date(meta.created).toUTCString().replace("GMT", "+0000")}`,
    `Subject: [PATCH] ${asciiLine(meta.summary)}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    ...body,
    "---",
    diffStat(meta.path, diff),
    diff.endsWith("\n") ? diff + "-- " : diff + "\n-- ",
    "tollgate",
    "",
  ].join("\n");
}

/** A mail header must be one ASCII line. */
function asciiLine(text: string): string {
  return visibleText(text, 300).replace(
    /[^\x20-\x7e]/gu,
    (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase()}>`,
  );
}
