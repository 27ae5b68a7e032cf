/**
 * Submit: check a proposed rule against the current policy, and write an accepted proposal as
 * a patch file in `pending/` with its seal (`proposal_seal.ts`). Refused proposals are not
 * stored; their reasons go back to the agent. Under the directory lock, a rule already pending
 * for the same sandbox returns that proposal instead of a new patch, and a sandbox holds at
 * most `maxPending` pending proposals.
 *
 * @module
 */

import type { NetworkRule } from "../../proxy/policy/mod.ts";
import {
  POLICY_LOCAL_LIMITS,
  type ProposalInput,
  type SubmitResult,
} from "../../proxy/policy_local/mod.ts";
import { configEvent } from "../../proxy/ocsf/mod.ts";
import { writeFileAtomic } from "../repo/mod.ts";
import { isPolicyName, type PolicyFile, readPolicyFile } from "../repo/mod.ts";
import { insertRuleText } from "../repo/mod.ts";
import { checkProposedRule } from "./proposal_checks.ts";
import { withDirectoryLock } from "../repo/mod.ts";
import { ensureStateDirs, proposalFilePath } from "./proposal_files.ts";
import {
  ensureSandboxIndex,
  indexSandboxProposal,
  sandboxPendingSeals,
} from "./sandbox_pending.ts";
import type { ProposalMeta } from "./proposal_patch.ts";
import {
  type ProposalRecord,
  readProposalRecord,
  recordFromText,
  toProposalStatus,
} from "./proposal_record.ts";
import { sealListing, writeSeal } from "./proposal_seal.ts";
import { draftPatch, sealOf } from "./_draft_patch.ts";
import { ruleHash } from "./proposal_hashes.ts";
import { byteSize, findingsBasis, readCeilingText } from "../listing/mod.ts";
import { spellingHash } from "./_rule_spelling.ts";
import { MAX_PENDING_PER_SANDBOX, type StoreEnv } from "./store_env.ts";
import { heldRefusal, noteCeilingRefusal } from "./ceiling_refusals.ts";
import { visibleText } from "../repo/mod.ts";

function inputProblem(input: ProposalInput): string | undefined {
  if (typeof input.ruleName !== "string" || input.ruleName.trim() === "") {
    return "addRule.ruleName or rule.name is required";
  }
  if (typeof input.rationale !== "string") return "rationale must be a string";
  // The approval marker must only ever come from an approval (policy.local refuses it first).
  if (POLICY_LOCAL_LIMITS.reservedMarker.test(JSON.stringify([input.ruleName, input.rule]))) {
    return 'invalid_proposal: the rule must not contain "# tollgate proposal", the marker of ' +
      "an approved rule";
  }
  if (input.sandbox !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(input.sandbox)) {
    return "sandbox must be a sandbox id";
  }
  return undefined;
}

/**
 * Check and store one proposal (the `ProposalSink.submit` of the store): load the target
 * policy → run the checks → draft the patch → write it to `pending/` → signal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "./submit_proposal.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const env = {
 *   policiesDir: dir,
 *   now: () => new Date(),
 *   emit: () => {},
 *   notify: () => {},
 *   repo: () => Promise.resolve({ prefix: "" }), // not in Git: nothing is committed
 *   beforeStep: () => Promise.resolve(),
 *   policies: new PolicyCache(),
 * };
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const result = await submitProposal(env, { policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(result.accepted);
 * assert.equal(result.proposal.status, "pending");
 * const unknown = await submitProposal(env, { policy: "other", ruleName: "gh", rule, rationale: "r" });
 * assert(!unknown.accepted);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function submitProposal(env: StoreEnv, input: ProposalInput): Promise<SubmitResult> {
  const problem = inputProblem(input);
  if (problem) return { accepted: false, reasons: [problem] };
  // A sandbox that probed the ceiling is answered before any check: no further bit leaves.
  const held = await heldRefusal(env.refusals, input, env.now());
  if (held) return held;
  const current = await loadTarget(env, input.policy);
  if (typeof current === "string") {
    return { accepted: false, reasons: [current], code: "policy_unavailable" };
  }
  // The ceiling's text before its view: findings on a newer ceiling than their basis says are
  // recomputed by a listing, never the other way round.
  const ceilingText = await readCeilingText(env.policiesDir, env.ceilingFile);
  const basis = await findingsBasis(current.text, ceilingText);
  const ceiling = await env.ceiling?.();
  const check = checkProposedRule(input.rule, current.loaded, { ceiling, workdir: input.workdir });
  if (check.refused || !check.rule) {
    // An unreadable ceiling refuses everything: the operator's fault, not a probe to count.
    if (ceiling && !("error" in ceiling)) await noteCeilingRefusal(env, input, check);
    const reasons = check.findings.filter((f) => f.severity === "refuse")
      .map((f) => `${f.code}: ${f.message}`);
    return { accepted: false, reasons };
  }
  const rule = check.rule;
  const unwritable = unwritableReason(rule);
  if (unwritable) return { accepted: false, reasons: [unwritable] };
  const stored = await withDirectoryLock(env.policiesDir, async (): Promise<Stored> => {
    await ensureStateDirs(env.policiesDir);
    await ensureSandboxIndex(env.policiesDir);
    const pending = await sandboxPendingSeals(env.policiesDir, input.policy, input.sandbox);
    // The same rule in another spelling (host or method case, a binary twice) is the same ask.
    const spelling = spellingHash(rule);
    const same = pending.find((s) => s.ruleHash === ruleHash(rule)) ??
      pending.find((s) => s.listing !== undefined && spellingHash(s.listing.rule) === spelling);
    if (same) return { kind: "existing", id: same.id };
    const max = env.maxPending ?? MAX_PENDING_PER_SANDBOX;
    if (pending.length >= max) return { kind: "full", max };
    const { meta, text } = await draftPatch(env, input, current, { ...check, rule });
    const file = proposalFilePath(env.policiesDir, "pending", meta.id);
    // The seal first: a patch without one is never approved.
    const record = recordFromText({ id: meta.id, state: "pending", path: file }, text);
    // A listing re-checks the rule as the patch reads back (its defaults already set).
    const findings =
      checkProposedRule(record.rule, current.loaded, { ceiling, workdir: record.meta.workdir })
        .findings;
    const listing = sealListing(record, { basis, findings }, [byteSize(text)]);
    const seal = sealOf(meta, rule, text, listing);
    await writeSeal(env.policiesDir, seal);
    await indexSandboxProposal(env.policiesDir, seal);
    await writeFileAtomic(file, text);
    return { kind: "new", meta, record };
  });
  if (stored.kind === "full") return tooManyPending(input.policy, stored.max);
  if (stored.kind === "existing") {
    const path = proposalFilePath(env.policiesDir, "pending", stored.id);
    const record = await readProposalRecord({ id: stored.id, state: "pending", path });
    return { accepted: true, proposal: toProposalStatus(record) };
  }
  const { meta, record } = stored;
  env.emit(configEvent("PROPOSED", `proposal ${meta.id} ${meta.summary}`, {
    policy: input.policy,
    proposalId: meta.id,
  }));
  env.notify({ kind: "proposal", id: meta.id, state: "pending", policy: input.policy });
  return { accepted: true, proposal: toProposalStatus(record) };
}

/** What the locked part of a submit did. */
type Stored =
  | { kind: "new"; meta: ProposalMeta; record: ProposalRecord }
  | { kind: "existing"; id: string }
  | { kind: "full"; max: number };

function tooManyPending(policy: string, max: number): SubmitResult {
  const name = visibleText(policy, 80);
  return {
    accepted: false,
    code: "too_many_pending",
    reasons: [
      `Sandbox "${name}" already has ${max} pending proposals, the most it may have; wait ` +
      "until a reviewer decides some of them before proposing more",
    ],
  };
}

/** The target policy, or the reason it cannot take a proposal. */
async function loadTarget(env: StoreEnv, policy: string): Promise<PolicyFile | string> {
  const name = visibleText(String(policy), 80);
  try {
    const current = isPolicyName(policy)
      ? await readPolicyFile(env.policiesDir, policy, (t, f) => env.policies.load(t, f))
      : undefined;
    return current ?? `Unknown policy "${name}"`;
  } catch {
    return `Policy "${name}" does not validate on disk`;
  }
}

// The YAML writer and reader disagree on a few strings (a trailing no-break space is written
// plain and read trimmed): such a rule cannot be written so that it reads back as proposed.
// Refused as the agent's to fix, not thrown (which the agent saw as the gateway failing).
function unwritableReason(rule: NetworkRule): string | undefined {
  try {
    insertRuleText("version: 1\n", "rule", rule, "p-check");
    return undefined;
  } catch {
    return "unwritable_rule: the rule does not read back as written in YAML (a string with " +
      "spaces or unusual characters at an end?); trim its strings";
  }
}
