/**
 * A proposal as a `git format-patch` mail: a one-line subject, a body with the sandbox, the
 * binary, the check findings and the agent's rationale (quoted, made visible), trailers, then
 * the diff. `git apply --check` and `git am` accept it; `parseProposalPatch` reads it back.
 *
 * @module
 */

import type { Finding, Guidance } from "../../proxy/policy_local/mod.ts";
import { diffStat } from "./rule_diff.ts";
import type { RuleScope } from "../../proxy/policy/mod.ts";
import { quoteUntrusted, unquote, visibleText } from "../repo/mod.ts";

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
  /** Rejection reason (visible text). */
  reason?: string;
  /** Rejection guidance code. */
  guidance?: Guidance;
}

/** Everything a proposal patch says besides its diff. */
export interface ProposalMeta {
  /** Proposal id. */
  id: string;
  /** Target policy name (`NAME.yaml`), also the sandbox name. */
  policy: string;
  /** The sandbox (its proxy credential) that made it: only that sandbox may read it. */
  sandbox?: string;
  /** Key of the new rule under `network_policies`. */
  ruleKey: string;
  /** First binary of the rule. */
  binary?: string;
  /** ISO creation time. */
  created: string;
  /** The one-line subject without `[PATCH]`. */
  summary: string;
  /** Findings of the submit checks. */
  findings: Finding[];
  /** The rationale in its visible (sanitised) form. */
  rationale: string;
  /** Path of the policy file inside the diff (`policies/team.yaml`). */
  path: string;
  /** The recorded decision, once decided. */
  decision?: ProposalDecision;
}

const ZERO = "0".repeat(40);
const FINDING = /^ {2}- (refuse|warn|info) ([a-z0-9_]+): (.*)$/;
const RATIONALE_HEAD = "Rationale (agent-supplied, untrusted):";

function trailerLines(meta: ProposalMeta): string[] {
  const lines = [
    `Proposal-Id: ${meta.id}`,
    `Policy: ${meta.policy}`,
    `Rule-Key: ${meta.ruleKey}`,
    `Created: ${meta.created}`,
  ];
  if (meta.sandbox !== undefined) lines.push(`Sandbox-Id: ${one(meta.sandbox)}`);
  return [...lines, ...decisionLines(meta.decision)];
}

function decisionLines(d: ProposalDecision | undefined): string[] {
  const lines: string[] = [];
  if (d?.status === "approved") {
    lines.push(`Approved-By: ${one(d.by)}`, `Approved-At: ${d.at}`);
    if (d.revision !== undefined) lines.push(`Policy-Revision: ${d.revision}`);
    if (d.hash !== undefined) lines.push(`Policy-Hash: ${d.hash}`);
    if (d.baseHash !== undefined) lines.push(`Base-Policy-Hash: ${d.baseHash}`);
    if (d.scope !== undefined) lines.push(`Scope: ${d.scope}`);
    if (d.expires !== undefined) lines.push(`Expires: ${d.expires}`);
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
 * ```ts ignore
 * const text = formatProposalPatch(meta, buildFileDiff(meta.path, before, after));
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

/** A parsed proposal patch: its metadata and its diff. */
export interface ParsedProposal {
  /** Everything but the diff. */
  meta: ProposalMeta;
  /** The diff section (from `diff --git` to before the signature). */
  diff: string;
}

/**
 * Read a proposal patch back.
 *
 * @throws {SyntaxError} when the text is not a Tollgate proposal patch
 * @example
 * ```ts ignore
 * const { meta, diff } = parseProposalPatch(await Deno.readTextFile(file));
 * ```
 */
export function parseProposalPatch(text: string): ParsedProposal {
  const lines = text.split("\n");
  const blank = lines.indexOf("");
  const sep = lines.indexOf("---", blank);
  const diffStart = lines.findIndex((l, i) => i > sep && l.startsWith("diff --git "));
  if (blank < 0 || sep < 0 || diffStart < 0) throw new SyntaxError("Not a proposal patch");
  const sigAt = lines.lastIndexOf("-- ");
  const diff = lines.slice(diffStart, sigAt > diffStart ? sigAt : undefined).join("\n") + "\n";
  const subject = lines.slice(0, blank).find((l) => l.startsWith("Subject: "));
  const body = lines.slice(blank + 1, sep);
  const trailers = readTrailers(body);
  const id = trailers.get("Proposal-Id");
  const policy = trailers.get("Policy");
  const ruleKey = trailers.get("Rule-Key");
  if (!id || !policy || !ruleKey) throw new SyntaxError("Proposal patch lacks its trailers");
  const path = /^diff --git a\/(.*) b\//.exec(lines[diffStart]!)![1]!;
  const binary = body.find((l) => l.startsWith("Binary: "))?.slice(8);
  return {
    diff,
    meta: {
      id,
      policy,
      ...(trailers.has("Sandbox-Id") ? { sandbox: trailers.get("Sandbox-Id") } : {}),
      ruleKey,
      path,
      binary: binary === "-" ? undefined : binary,
      created: trailers.get("Created") ?? "",
      summary: (subject ?? "").replace(/^Subject: (\[PATCH[^\]]*\] )?/, ""),
      findings: body.flatMap((l) => {
        const m = FINDING.exec(l);
        return m ? [{ severity: m[1] as Finding["severity"], code: m[2]!, message: m[3]! }] : [];
      }),
      rationale: readRationale(body),
      decision: readDecision(trailers),
    },
  };
}

function readTrailers(body: string[]): Map<string, string> {
  let start = body.length;
  while (start > 0 && body[start - 1] !== "") start--;
  const out = new Map<string, string>();
  for (const line of body.slice(start)) {
    const m = /^([A-Za-z-]+): (.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

function readRationale(body: string[]): string {
  const at = body.indexOf(RATIONALE_HEAD);
  if (at < 0) return "";
  const quoted = [];
  for (const line of body.slice(at + 1)) {
    if (!line.startsWith(">")) break;
    quoted.push(line);
  }
  return unquote(quoted);
}

function readDecision(t: Map<string, string>): ProposalDecision | undefined {
  if (t.has("Approved-By")) {
    const revision = Number(t.get("Policy-Revision"));
    return {
      status: "approved",
      by: t.get("Approved-By")!,
      at: t.get("Approved-At") ?? "",
      revision: Number.isInteger(revision) ? revision : undefined,
      hash: hexHash(t.get("Policy-Hash")),
      baseHash: hexHash(t.get("Base-Policy-Hash")),
      ...scopeOf(t),
    };
  }
  if (t.has("Rejected-By")) {
    return {
      status: "rejected",
      by: t.get("Rejected-By")!,
      at: t.get("Rejected-At") ?? "",
      reason: t.get("Rejection-Reason"),
      guidance: t.get("Guidance") as Guidance | undefined,
    };
  }
  return undefined;
}

const SCOPES = new Set(["once", "lease", "session", "durable"]);

function scopeOf(t: Map<string, string>): Pick<ProposalDecision, "scope" | "expires"> {
  const scope = t.get("Scope");
  const expires = t.get("Expires");
  return {
    ...(scope !== undefined && SCOPES.has(scope) ? { scope: scope as RuleScope } : {}),
    ...(expires !== undefined && Number.isFinite(Date.parse(expires)) ? { expires } : {}),
  };
}

function hexHash(value: string | undefined): string | undefined {
  return value !== undefined && /^[0-9a-f]{64}$/.test(value) ? value : undefined;
}

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
