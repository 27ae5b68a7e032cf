/**
 * Approval, as named steps under the directory lock: load → apply → validate → bump → stamp →
 * write (and push the new policy) → commit → move, then signal. Each step is a small function;
 * the order is what makes a crash at any point recoverable (see `recover_proposals.ts`). The
 * stamped patch and the new policy are staged and fsynced together, then renamed in that order,
 * so the push waits for one fsync instead of three in a row.
 *
 * @module
 */

import { configEvent } from "../../proxy/ocsf/mod.ts";
import { type Applied, applyStep, type Bumped, bumpStep } from "./candidate.ts";
import {
  gitDriverOverrides,
  renameDurable,
  syncDirectories,
  visibleText,
  withDirectoryLock,
} from "../repo/mod.ts";
import { assertProposalId, proposalFilePath, removeSeal } from "../proposals/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";
import { recoverProposals } from "./recover_proposals.ts";
import { validateStep } from "./_approve_checks.ts";
import { reviewedStep } from "./_reviewed_step.ts";
import { type Loaded, loadStep } from "./_approve_load.ts";
import { commitStep, pushPolicy, replaceStep, stageStep } from "./_approve_writes.ts";
import { type ApproveOptions, scopeFields, scopeTrailers, withScope } from "../automation/mod.ts";
import type { ApproveResult } from "../client/mod.ts";

/**
 * Approve pending proposal `id`: re-check, apply the reviewed diff to the current file,
 * bump the revision, validate and compile, write atomically and notify listeners of the new
 * policy (the reload push), commit, move the patch to `approved/`, emit CONFIG:APPROVED and
 * notify listeners of the decision.
 *
 * @throws {ProposalConflictError} when the proposal is not pending or went stale
 * @throws {TypeError} for a malformed id
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { approveProposal } from "./approve_proposal.ts";
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
 * const { revision } = await approveProposal(env, id, { approvedBy: "alice" });
 * assert.equal(revision, 1);
 * assert.match(await Deno.readTextFile(`${dir}/team.yaml`), /^ {2}gh:$/m);
 * await assert.rejects(approveProposal(env, id, { approvedBy: "bob" }), /already approved/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function approveProposal(
  env: StoreEnv,
  id: string,
  options: ApproveOptions,
): Promise<ApproveResult> {
  assertProposalId(id);
  const result = await withDirectoryLock(env.policiesDir, async () => {
    await recoverProposals(env);
    await env.beforeStep("load");
    const loaded = await loadStep(env, id);
    await reviewedStep(env, loaded, options);
    await env.beforeStep("apply");
    const applied = withScope(applyStep(loaded), loaded.record, options, env.now().getTime());
    // Bump before validating: the bumped text is the one policy text this approval parses.
    await env.beforeStep("bump");
    const bumped = bumpStep(loaded, applied, (t, f) => env.policies.load(t, f));
    await env.beforeStep("validate");
    // The key it is written under: a rule bound to one sandbox gets its own (see withScope).
    const key = applied.ruleKey ?? loaded.record.meta.ruleKey;
    validateStep(loaded, bumped.result, key);
    await env.beforeStep("stamp");
    const staged = await stageStep(env, loaded, applied, bumped, options.approvedBy);
    await replaceStep(env, loaded, staged);
    // From the policy's rename on, the file on disk is the policy (a file-watching proxy would
    // load it; recovery rolls a crash forward), so proxies may enforce it at once: not after
    // the directory fsyncs (which only matter if the machine itself goes down), the commit and
    // the move, each of which took up to 0.7 s on a busy disk.
    // validateStep proved it adds exactly the rule: the push need not compare every rule.
    const added = { from: loaded.current.loaded.hash, key };
    pushPolicy(env, loaded.record.meta.policy, bumped.text, bumped.result, added);
    // The commit's driver overrides are read (a git run) while the directories sync, not after.
    const drivers = driversOf(env);
    await syncDirectories([staged.seal.path, staged.stamp.path, staged.policy.path]);
    await env.beforeStep("commit");
    const by = { name: options.approvedBy, trailers: scopeTrailers(applied.lease) };
    const commit = await commitStep(env, { loaded, bumped, drivers }, by, staged.original);
    await env.beforeStep("move");
    await renameDurable(loaded.record.file, proposalFilePath(env.policiesDir, "approved", id));
    await removeSeal(env.policiesDir, id);
    return { ...outcome(loaded, applied, bumped, commit), ...scopeFields(applied.lease) };
  });
  await env.beforeStep("signal");
  signalStep(env, result, options);
  return result;
}

/** The repository's driver overrides, read from now on (none outside Git). */
function driversOf(env: StoreEnv): Promise<Record<string, string>> {
  const drivers = env.repo().then((repo) => repo.root ? gitDriverOverrides(repo.root) : {});
  drivers.catch(() => {}); // awaited by the commit, which reports the failure
  return drivers;
}

function outcome(loaded: Loaded, applied: Applied, bumped: Bumped, commit?: string): ApproveResult {
  return {
    id: loaded.record.id,
    policy: loaded.record.meta.policy,
    revision: bumped.result.policy.revision,
    hash: bumped.result.hash,
    summary: loaded.record.meta.summary,
    commit,
    rebased: applied.rebased,
  };
}

function signalStep(env: StoreEnv, r: ApproveResult, options: ApproveOptions): void {
  // The approver is named in the audit trail as in the commit's Approved-By.
  const by = visibleText(options.approvedBy, 100);
  const message = `proposal ${r.id} approved by ${by}: ${r.summary}`;
  const event = configEvent("APPROVED", message, {
    revision: r.revision,
    hash: r.hash,
    policy: r.policy,
    proposalId: r.id,
  });
  event.unmapped = { ...event.unmapped, scope: r.scope ?? "durable", auto: !!options.auto };
  if (options.auto) event.unmapped.auto_pattern = options.auto;
  if (r.expires) event.unmapped.expires = r.expires;
  env.emit(event);
  env.notify({ kind: "proposal", id: r.id, state: "approved", policy: r.policy });
}
