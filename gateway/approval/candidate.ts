/**
 * The candidate of a proposal: the policy text approval would write (the reviewed rule applied
 * to the current file, the revision bumped), its hash beside the current policy's, the reason
 * approval would refuse it now (OpenShell #2850's `application_error`), and a review token
 * that binds a review to exactly these inputs.
 *
 * @module
 */

import { type LoadedPolicy, loadPolicyText } from "../../proxy/policy/mod.ts";
import { conflict, validateStep } from "./_approve_checks.ts";
import { type PolicyFile, readPolicyFile } from "../repo/mod.ts";
import { reinsertRuleLines, setRevisionText, similarRuleKey } from "../repo/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import { readSeal, reviewToken, sealProblem } from "../proposals/mod.ts";
import { addedLines, applyFileDiff } from "../proposals/mod.ts";
import { visibleText } from "../repo/mod.ts";
import type { CeilingView } from "../authority/mod.ts";
import type { CandidateMemo } from "./candidate_memo.ts";

/** The reviewed rule applied to the current text. */
export interface Applied {
  /** The policy text with the rule added (revision not yet bumped). */
  text: string;
  /** True when the reviewed lines were re-placed after rules added since the review. */
  rebased: boolean;
}

/** The applied text with its revision bumped, validated and compiled. */
export interface Bumped {
  /** The text approval writes. */
  text: string;
  /** Its loaded form (hash, revision). */
  result: LoadedPolicy;
}

/**
 * Apply the reviewed diff to the current policy text (re-placing the reviewed lines when rules
 * were added since); a `ProposalConflictError` when it no longer applies.
 */
export function applyStep(
  { record, current }: { record: ProposalRecord; current: PolicyFile },
): Applied {
  // A key that reads as one added since the review would be taken for it (see ruleKeyFor).
  const key = record.meta.ruleKey;
  const taken = similarRuleKey(key, Object.keys(current.loaded.policy.network_policies));
  if (taken !== undefined) {
    const as = taken === key ? "" : `, which reads as "${key}"`;
    throw conflict(
      record.id,
      `policy "${record.meta.policy}" already has a rule "${taken}"${as}; run ` +
        `"tollgate proposals refresh ${record.id}" to propose it under a new name`,
    );
  }
  const direct = applyFileDiff(current.text, record.diff);
  if (direct !== undefined) return { text: direct, rebased: false };
  // Rules added since the review moved the end of the section: place the reviewed lines,
  // byte for byte, after the last rule, if the section still has the same shape.
  const moved = reinsertRuleLines(current.text, addedLines(record.diff));
  if (moved !== undefined) return { text: moved, rebased: true };
  throw conflict(
    record.id,
    `policy "${record.meta.policy}" changed since the proposal and the reviewed diff no longer ` +
      `applies; run "tollgate proposals refresh ${record.id}" and review it again`,
  );
}

/**
 * Bump the revision of the applied text and load it (with `load`, a `PolicyCache`'s in the
 * store: the one parse of an approval); a conflict when it does not validate or does not hold
 * the new revision.
 */
export function bumpStep(
  { record, current }: { record: ProposalRecord; current: PolicyFile },
  applied: Applied,
  load: (text: string, file: string) => LoadedPolicy = loadPolicyText,
): Bumped {
  const revision = current.loaded.policy.revision + 1;
  const text = setRevisionText(applied.text, revision);
  let result: LoadedPolicy;
  try {
    result = load(text, `${record.meta.policy}.yaml`);
  } catch (error) {
    const why = visibleText((error as Error).message, 300);
    throw conflict(record.id, `the resulting policy does not validate: ${why}`);
  }
  if (result.policy.revision !== revision) {
    throw conflict(record.id, `the resulting policy does not hold revision ${revision}`);
  }
  return { text, result };
}

/** What a pending proposal's state reports about its candidate (empty strings when unknown). */
export interface CandidateView {
  /** Why approval would refuse it now; empty when it would apply. */
  applicationError: string;
  /** {@linkcode reviewToken} of the candidate; empty when there is none. */
  reviewToken: string;
  /** Hash of the policy file now (what proxies enforce once they have loaded it). */
  currentPolicyHash: string;
  /** Hash of the policy approval would write; empty when it would refuse. */
  candidatePolicyHash: string;
}

/** What {@linkcode candidateView} reads with (each optional: loads afresh, no ceiling, no memo). */
export interface CandidateInputs {
  /** Loads a policy file's text (the current policy). */
  load?: (text: string, file: string) => LoadedPolicy;
  /** Loads the candidate's text, which may never be a file's (defaults to `load`). */
  loadCandidate?: (text: string, file: string) => LoadedPolicy;
  /** The org ceiling the candidate must stay inside. */
  ceiling?: CeilingView;
  /** Views already computed, reused when nothing they were computed from changed. */
  memo?: CandidateMemo<CandidateView>;
}

/**
 * Compute a pending proposal's candidate against the policy file now: the same apply, checks
 * and bump approval runs, writing nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { findProposalRecord } from "../proposals/mod.ts";
 * import { candidateView } from "./candidate.ts";
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
 * const submitted = await submitProposal(env, { policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const view = await candidateView(dir, (await findProposalRecord(dir, id))!);
 * assert.equal(view.applicationError, "");
 * assert.notEqual(view.candidatePolicyHash, view.currentPolicyHash);
 * assert.equal(view.reviewToken.length, 64);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function candidateView(
  dir: string,
  record: ProposalRecord,
  using: CandidateInputs = {},
): Promise<CandidateView> {
  const { load = loadPolicyText, loadCandidate = load, ceiling, memo } = using;
  const view = {
    applicationError: "",
    reviewToken: "",
    currentPolicyHash: "",
    candidatePolicyHash: "",
  };
  const name = record.meta.policy;
  let current: PolicyFile | undefined;
  let key: string | undefined;
  try {
    current = await readPolicyFile(dir, name, load);
    if (!current) throw conflict(record.id, `policy "${name}" no longer exists`);
    view.currentPolicyHash = current.loaded.hash;
    if (record.ruleError) throw conflict(record.id, record.ruleError);
    // The text as read with the record: the file may have moved on (decided) since.
    const text = record.text ?? await Deno.readTextFile(record.file);
    const seal = await readSeal(dir, record.id);
    const tampered = sealProblem(seal, {
      text,
      policy: name,
      ruleKey: record.meta.ruleKey,
      rule: record.rule,
    });
    if (tampered || !seal) throw conflict(record.id, `${tampered}; reject it`);
    key = memo?.key({ id: record.id, text, seal, policy: current.text, ceiling });
    const known = key === undefined ? undefined : memo!.get(key);
    if (known !== undefined) return { ...known };
    // The ceiling binds the preview as it binds the approval (its content is never quoted).
    const facts = { record, current, seal, ceiling };
    const applied = applyStep(facts);
    const bumped = bumpStep(facts, applied, loadCandidate);
    validateStep(facts, bumped.result);
    view.candidatePolicyHash = bumped.result.hash;
    view.reviewToken = reviewToken(record.id, record.rule, current.loaded.hash, bumped.result.hash);
  } catch (error) {
    view.applicationError = visibleText((error as Error).message, 500);
  }
  // A refusal computed from these inputs is as lasting as a candidate.
  if (key !== undefined) memo!.set(key, view);
  return view;
}
