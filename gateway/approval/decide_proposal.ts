/**
 * Reject and refresh: the two other ways a pending proposal changes. Both run under the
 * directory lock; a rejection stamps the reason on the patch, then moves it to `rejected/`.
 *
 * @module
 */

import type { Guidance } from "../../proxy/policy_local/mod.ts";
import { configEvent } from "../../proxy/ocsf/mod.ts";
import { renameDurable, writeFileAtomic } from "../repo/mod.ts";
import { withDirectoryLock } from "../repo/mod.ts";
import { readPolicyFile } from "../repo/mod.ts";
import { insertRuleText, ruleKeyFor } from "../repo/mod.ts";
import { checkProposedRule } from "../proposals/mod.ts";
import { findProposalFile, proposalFilePath } from "../proposals/mod.ts";
import { assertProposalId } from "../proposals/mod.ts";
import { formatProposalPatch, stampDecision } from "../proposals/mod.ts";
import { readProposalRecord, recordFromText } from "../proposals/mod.ts";
import {
  readSeal,
  removeSeal,
  ruleHash,
  sealListing,
  sealProblem,
  withPatch,
  writeSeal,
} from "../proposals/mod.ts";
import { ProposalConflictError } from "../proposals/mod.ts";
import { recoverProposals } from "./recover_proposals.ts";
import { buildFileDiff } from "../proposals/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";
import { visibleText } from "../repo/mod.ts";
import { byteSize, findingsBasis, readCeilingText } from "../listing/mod.ts";

/** The guidance codes a reviewer may attach to a rejection. */
export const GUIDANCE: readonly Guidance[] = [
  "too_broad",
  "use_l7_not_l4",
  "wrong_binary_scope",
  "wrong_endpoint",
  "outside_org_ceiling",
];

/** A reviewer's rejection. */
export interface RejectOptions {
  /** Why (shown to the agent, made visible). */
  reason: string;
  /** Structured hint for the agent's next draft. */
  guidance?: Guidance;
  /** Reviewer name (default `reviewer`). */
  rejectedBy?: string;
}

async function pendingRecord(env: StoreEnv, id: string, verb: string) {
  const found = await findProposalFile(env.policiesDir, id);
  if (!found) throw new ProposalConflictError(`Cannot ${verb} proposal "${id}": no such proposal`);
  if (found.state !== "pending") {
    throw new ProposalConflictError(
      `Cannot ${verb} proposal "${id}": it is already ${found.state}`,
    );
  }
  return await readProposalRecord(found);
}

/**
 * Reject pending proposal `id` with a reason (and optional guidance for the agent).
 *
 * @throws {ProposalConflictError} when the proposal is not pending
 * @throws {TypeError} for a malformed id or guidance
 * @example
 * ```ts ignore
 * await rejectProposal(env, id, { reason: "use the contents API only", guidance: "too_broad" });
 * ```
 */
export async function rejectProposal(
  env: StoreEnv,
  id: string,
  options: RejectOptions,
): Promise<void> {
  assertProposalId(id);
  if (options.guidance !== undefined && !GUIDANCE.includes(options.guidance)) {
    throw new TypeError(`Unknown guidance "${visibleText(String(options.guidance), 60)}"`);
  }
  const reason = options.reason.trim() === "" ? "(no reason given)" : options.reason;
  const policy = await withDirectoryLock(env.policiesDir, async () => {
    await recoverProposals(env);
    const record = await pendingRecord(env, id, "reject");
    const decision = {
      status: "rejected" as const,
      by: options.rejectedBy ?? "reviewer",
      at: env.now().toISOString(),
      reason,
      guidance: options.guidance,
    };
    await writeFileAtomic(
      record.file,
      stampDecision(await Deno.readTextFile(record.file), decision),
    );
    await renameDurable(record.file, proposalFilePath(env.policiesDir, "rejected", id));
    await removeSeal(env.policiesDir, id);
    return record.meta.policy;
  });
  const shown = visibleText(reason, 200);
  const by = visibleText(options.rejectedBy ?? "reviewer", 100);
  env.emit(
    configEvent("REJECTED", `proposal ${id} rejected by ${by} reason:"${shown}"`, {
      policy,
      proposalId: id,
    }),
  );
  env.notify({ kind: "proposal", id, state: "rejected", policy });
}

/**
 * Re-draft a stale pending proposal against the current policy: same id, rule and rationale,
 * a fresh diff and fresh findings (a new rule key if the old one is now taken). The
 * reviewer then reviews it again.
 *
 * @throws {ProposalConflictError} when the proposal is not pending or the checks now refuse it
 * @example
 * ```ts ignore
 * await refreshProposal(env, id);
 * ```
 */
export async function refreshProposal(env: StoreEnv, id: string): Promise<void> {
  assertProposalId(id);
  const policy = await withDirectoryLock(env.policiesDir, async () => {
    await recoverProposals(env);
    const record = await pendingRecord(env, id, "refresh");
    // Re-draft only what was proposed: an edited patch is not laundered into a fresh one.
    const seal = await readSeal(env.policiesDir, id);
    const text = await Deno.readTextFile(record.file);
    const { policy, ruleKey: key } = record.meta;
    const tampered = sealProblem(seal, { text, policy, ruleKey: key, rule: record.rule });
    if (tampered || !seal) {
      throw new ProposalConflictError(`Cannot refresh proposal "${id}": ${tampered}; reject it`);
    }
    const current = await readPolicyFile(
      env.policiesDir,
      record.meta.policy,
      (t, f) => env.policies.load(t, f),
    );
    if (!current) {
      throw new ProposalConflictError(
        `Cannot refresh proposal "${id}": its policy no longer exists`,
      );
    }
    const ceilingText = await readCeilingText(env.policiesDir, env.ceilingFile);
    const ceiling = await env.ceiling?.();
    const check = checkProposedRule(record.rule, current.loaded, ceiling);
    if (check.refused || !check.rule) {
      throw new ProposalConflictError(`Cannot refresh proposal "${id}": the checks now refuse it`);
    }
    const existing = Object.keys(current.loaded.policy.network_policies);
    const ruleKey = existing.includes(record.meta.ruleKey)
      ? ruleKeyFor(record.meta.ruleKey, existing)
      : record.meta.ruleKey;
    const after = insertRuleText(current.text, ruleKey, check.rule, id);
    const meta = { ...record.meta, ruleKey, findings: check.findings, decision: undefined };
    const diff = buildFileDiff(record.meta.path, current.text, after);
    // The rationale is already in its visible form: keep all of it.
    const patch = formatProposalPatch(meta, diff, Infinity);
    const findings = check.findings;
    const basis = await findingsBasis(current.text, ceilingText);
    // The previous patch's size first, as withPatch keeps its hash (a crash may leave it).
    const reread = recordFromText({ id, state: "pending", path: record.file }, patch);
    const listed = checkProposedRule(reread.rule, current.loaded, ceiling).findings;
    const listing = sealListing(reread, { basis, findings: listed }, [byteSize(text)]);
    const resealed = { ...seal, ruleKey, findings, ruleHash: ruleHash(check.rule), listing };
    await writeSeal(env.policiesDir, withPatch(resealed, patch));
    await writeFileAtomic(record.file, patch);
    return record.meta.policy;
  });
  env.notify({ kind: "proposal", id, state: "pending", policy });
}
