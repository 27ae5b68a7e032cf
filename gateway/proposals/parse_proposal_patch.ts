/**
 * Read a proposal patch back: its trailers, findings, rationale and decision, and its diff.
 * Only what Tollgate writes is trusted to be well formed; anything else reads as absent.
 *
 * @module
 */

import type { Finding, Guidance } from "../../proxy/policy_local/mod.ts";
import type { RuleScope } from "../../proxy/policy/mod.ts";
import { unquote } from "../repo/mod.ts";
import { type ProposalDecision, type ProposalMeta, RATIONALE_HEAD } from "./proposal_patch.ts";

const FINDING = /^ {2}- (refuse|warn|info) ([a-z0-9_]+): (.*)$/;

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
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { parseProposalPatch } from "./parse_proposal_patch.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const { meta, diff } = parseProposalPatch(await Deno.readTextFile(`${dir}/pending/${id}.patch`));
 * assert.equal(meta.ruleKey, "gh");
 * assert.match(diff, /^\+ {6}- host: api\.github\.com$/m);
 * assert.throws(() => parseProposalPatch("hello"), SyntaxError);
 * await Deno.remove(dir, { recursive: true });
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
      ...(trailers.has("Sandbox-Workdir") ? { workdir: trailers.get("Sandbox-Workdir") } : {}),
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
      ...appliedKey(t),
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

function appliedKey(t: Map<string, string>): Pick<ProposalDecision, "key"> {
  const key = t.get("Applied-Rule-Key");
  return key !== undefined && /^[a-z0-9_]{1,160}$/.test(key) ? { key } : {};
}

function hexHash(value: string | undefined): string | undefined {
  return value !== undefined && /^[0-9a-f]{64}$/.test(value) ? value : undefined;
}
