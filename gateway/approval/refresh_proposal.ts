/**
 * Refresh a stale pending proposal: under the directory lock, re-draft it against the
 * current policy, so the reviewer reviews what approving would now do.
 *
 * @module
 */

import { insertRuleText, readPolicyFile, ruleKeyFor, withDirectoryLock } from "../repo/mod.ts";
import { writeFileAtomic } from "../repo/mod.ts";
import { assertProposalId, checkProposedRule, formatProposalPatch } from "../proposals/mod.ts";
import { buildFileDiff, ProposalConflictError } from "../proposals/mod.ts";
import {
  readSeal,
  ruleHash,
  sealListing,
  sealProblem,
  withPatch,
  writeSeal,
} from "../proposals/mod.ts";
import { recordFromText } from "../proposals/mod.ts";
import { byteSize, findingsBasis, readCeilingText } from "../listing/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";
import { recoverProposals } from "./recover_proposals.ts";
import { pendingRecord } from "./_pending_record.ts";

/**
 * Re-draft a stale pending proposal against the current policy: same id, rule and rationale,
 * a fresh diff and fresh findings (a new rule key if the old one is now taken). The
 * reviewer then reviews it again.
 *
 * @throws {ProposalConflictError} when the proposal is not pending or the checks now refuse it
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { findProposalRecord } from "../proposals/mod.ts";
 * import { refreshProposal } from "./refresh_proposal.ts";
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
 * // The policy moved on since the proposal was drafted: its diff no longer applies as it is.
 * await Deno.writeTextFile(`${dir}/team.yaml`, "# owned by the platform team\nversion: 1\n");
 * await refreshProposal(env, id);
 * const record = await findProposalRecord(dir, id);
 * assert.equal(record?.state, "pending");
 * assert.match(record!.diff, /^ # owned by the platform team$/m);
 * await Deno.remove(dir, { recursive: true });
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
    const check = checkProposedRule(record.rule, current.loaded, {
      ceiling,
      workdir: record.meta.workdir,
    });
    if (check.refused || !check.rule) {
      throw new ProposalConflictError(`Cannot refresh proposal "${id}": the checks now refuse it`);
    }
    const existing = Object.keys(current.loaded.policy.network_policies);
    // Kept unless the policy now holds it, or a key that reads as it (see ruleKeyFor).
    const ruleKey = ruleKeyFor(record.meta.ruleKey, existing);
    const after = insertRuleText(current.text, ruleKey, check.rule, id);
    const meta = { ...record.meta, ruleKey, findings: check.findings, decision: undefined };
    const diff = buildFileDiff(record.meta.path, current.text, after);
    // The rationale is already in its visible form: keep all of it.
    const patch = formatProposalPatch(meta, diff, Infinity);
    const findings = check.findings;
    const basis = await findingsBasis(current.text, ceilingText);
    // The previous patch's size first, as withPatch keeps its hash (a crash may leave it).
    const reread = recordFromText({ id, state: "pending", path: record.file }, patch);
    const listed =
      checkProposedRule(reread.rule, current.loaded, { ceiling, workdir: reread.meta.workdir })
        .findings;
    const listing = sealListing(reread, { basis, findings: listed }, [byteSize(text)]);
    const resealed = { ...seal, ruleKey, findings, ruleHash: ruleHash(check.rule), listing };
    await writeSeal(env.policiesDir, withPatch(resealed, patch));
    await writeFileAtomic(record.file, patch);
    return record.meta.policy;
  });
  env.notify({ kind: "proposal", id, state: "pending", policy });
}
