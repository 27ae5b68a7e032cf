/**
 * Reject a pending proposal: under the directory lock, stamp the reason (and guidance) on the
 * patch, then move it to `rejected/`.
 *
 * @module
 */

import { isGuidance } from "../../proxy/policy_local/mod.ts";
import { configEvent } from "../../proxy/ocsf/mod.ts";
import { renameDurable, visibleText, withDirectoryLock, writeFileAtomic } from "../repo/mod.ts";
import { assertProposalId, proposalFilePath, removeSeal, stampDecision } from "../proposals/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";
import { recoverProposals } from "./recover_proposals.ts";
import { pendingRecord } from "./_pending_record.ts";
import type { RejectOptions } from "../client/mod.ts";

/**
 * Reject pending proposal `id` with a reason (and optional guidance for the agent).
 *
 * @throws {ProposalConflictError} when the proposal is not pending
 * @throws {TypeError} for a malformed id or guidance
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { findProposalRecord } from "../proposals/mod.ts";
 * import { rejectProposal } from "./reject_proposal.ts";
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
 * await rejectProposal(env, id, { reason: "use the contents API only", guidance: "too_broad" });
 * const record = await findProposalRecord(dir, id);
 * assert.equal(record?.state, "rejected");
 * assert.equal(record?.meta.decision?.guidance, "too_broad");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function rejectProposal(
  env: StoreEnv,
  id: string,
  options: RejectOptions,
): Promise<void> {
  assertProposalId(id);
  if (options.guidance !== undefined && !isGuidance(options.guidance)) {
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
