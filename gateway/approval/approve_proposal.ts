/**
 * Approval, as named steps under the directory lock: load → apply → validate → bump → stamp →
 * write (and push the new policy) → commit → move, then signal. Each step is a small function;
 * the order is what makes a crash at any point recoverable (see `recover_proposals.ts`). The
 * stamped patch and the new policy are staged and fsynced together, then renamed in that order,
 * so the push waits for one fsync instead of three in a row.
 *
 * @module
 */

import type { ProposalRecord } from "../proposals/mod.ts";
import { configEvent } from "../../proxy/ocsf/mod.ts";
import type { LoadedPolicy } from "../../proxy/policy/mod.ts";
import { type Applied, applyStep, type Bumped, bumpStep } from "./candidate.ts";
import {
  renameDurable,
  type StagedFile,
  stageFile,
  syncDirectories,
  writeFileAtomic,
} from "../repo/mod.ts";
import { withDirectoryLock } from "../repo/mod.ts";
import { gitCommitFile } from "../repo/mod.ts";
import { type PolicyFile, readPolicyFile } from "../repo/mod.ts";
import { findProposalFile, proposalFilePath } from "../proposals/mod.ts";
import { assertProposalId } from "../proposals/mod.ts";
import { stampDecision } from "../proposals/mod.ts";
import { recordFromText } from "../proposals/mod.ts";
import {
  type ProposalSeal,
  readSeal,
  removeSeal,
  sealProblem,
  stageSeal,
  withPatch,
} from "../proposals/mod.ts";
import { recoverProposals } from "./recover_proposals.ts";
import { buildFileDiff } from "../proposals/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";
import { visibleText } from "../repo/mod.ts";
import { conflict, validateStep } from "./_approve_checks.ts";
import { type ApproveOptions, scopeFields, scopeTrailers, withScope } from "../automation/mod.ts";
import type { RuleLease } from "../../proxy/policy/mod.ts";
import type { CeilingView } from "../authority/mod.ts";
import type { ApproveResult } from "../client/mod.ts";

interface Loaded {
  record: ProposalRecord;
  current: PolicyFile;
  /** The patch file's text, as its seal confirmed it. */
  text: string;
  seal: ProposalSeal;
  /** The org ceiling at approval time, when there is one. */
  ceiling?: CeilingView;
}

/**
 * Approve pending proposal `id`: re-check, apply the reviewed diff to the current file,
 * bump the revision, validate and compile, write atomically and notify listeners of the new
 * policy (the reload push), commit, move the patch to `approved/`, emit CONFIG:APPROVED and
 * notify listeners of the decision.
 *
 * @throws {ProposalConflictError} when the proposal is not pending or went stale
 * @throws {TypeError} for a malformed id
 * @example
 * ```ts ignore
 * const { revision, hash } = await approveProposal(env, id, { approvedBy: "alice" });
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
    await env.beforeStep("apply");
    const applied = withScope(applyStep(loaded), loaded.record, options, env.now().getTime());
    // Bump before validating: the bumped text is the one policy text this approval parses.
    await env.beforeStep("bump");
    const bumped = bumpStep(loaded, applied, (t, f) => env.policies.load(t, f));
    await env.beforeStep("validate");
    validateStep(loaded, bumped.result);
    await env.beforeStep("stamp");
    const staged = await stageStep(env, loaded, applied, bumped, options.approvedBy);
    await replaceStep(env, loaded, staged);
    // From the policy's rename on, the file on disk is the policy (a file-watching proxy would
    // load it; recovery rolls a crash forward), so proxies may enforce it at once: not after
    // the directory fsyncs (which only matter if the machine itself goes down), the commit and
    // the move, each of which took up to 0.7 s on a busy disk.
    pushPolicy(env, loaded.record.meta.policy, bumped.text, bumped.result);
    await syncDirectories([staged.seal.path, staged.stamp.path, staged.policy.path]);
    await env.beforeStep("commit");
    const by = { name: options.approvedBy, trailers: scopeTrailers(applied.lease) };
    const commit = await commitStep(env, loaded, bumped, by, staged.original);
    await env.beforeStep("move");
    await renameDurable(loaded.record.file, proposalFilePath(env.policiesDir, "approved", id));
    await removeSeal(env.policiesDir, id);
    return { ...outcome(loaded, applied, bumped, commit), ...scopeFields(applied.lease) };
  });
  await env.beforeStep("signal");
  signalStep(env, result, options);
  return result;
}

async function loadStep(env: StoreEnv, id: string): Promise<Loaded> {
  const found = await findProposalFile(env.policiesDir, id);
  if (!found) throw conflict(id, "no such proposal");
  if (found.state !== "pending") throw conflict(id, `it is already ${found.state}`);
  const text = await Deno.readTextFile(found.path);
  const record = recordFromText(found, text);
  if (record.ruleError) throw conflict(id, record.ruleError);
  // Approve only the patch Tollgate wrote: the rule proposed, checked and shown.
  const seal = await readSeal(env.policiesDir, id);
  const { policy, ruleKey } = record.meta;
  const tampered = sealProblem(seal, { text, policy, ruleKey, rule: record.rule });
  if (tampered || !seal) throw conflict(id, `${tampered}; reject it`);
  const load = (text: string, file: string) => env.policies.load(text, file);
  const current = await readPolicyFile(env.policiesDir, record.meta.policy, load).catch((error) => {
    const why = visibleText((error as Error).message, 300);
    throw conflict(id, `policy "${record.meta.policy}" does not validate on disk: ${why}`);
  });
  if (!current) throw conflict(id, `policy "${record.meta.policy}" no longer exists`);
  return { record, current, text, seal, ceiling: await env.ceiling?.() };
}

interface Staged {
  /** The seal, accepting the stamped patch too. */
  seal: StagedFile;
  /** The pending patch stamped with the decision. */
  stamp: StagedFile;
  /** The new policy file. */
  policy: StagedFile;
  /** The pending patch as it was, to restore on failure. */
  original: string;
}

/**
 * Write the stamped patch and the new policy beside their targets, fsyncing both at once
 * (one fsync's wait instead of three in a row before the push).
 */
async function stageStep(
  env: StoreEnv,
  { record, current, text: original, seal }: Loaded,
  applied: Applied & { lease?: RuleLease },
  bumped: Bumped,
  by: string,
): Promise<Staged> {
  const decision = {
    ...scopeFields(applied.lease),
    status: "approved" as const,
    by,
    at: env.now().toISOString(),
    revision: bumped.result.policy.revision,
    hash: bumped.result.hash,
    baseHash: current.loaded.hash,
  };
  // A re-placed rule: the approved patch holds the diff that was applied.
  const diff = applied.rebased
    ? buildFileDiff(record.meta.path, current.text, applied.text)
    : undefined;
  const stamped = stampDecision(original, decision, diff);
  const all = await Promise.allSettled([
    stageSeal(env.policiesDir, withPatch(seal, stamped)),
    stageFile(record.file, stamped),
    stageFile(current.path, bumped.text),
  ]);
  const [sealed, stamp, policy] = all.map((s) => s.status === "fulfilled" ? s.value : undefined);
  if (sealed && stamp && policy) return { seal: sealed, stamp, policy, original };
  for (const s of [sealed, stamp, policy]) await s?.discard();
  throw all.find((s): s is PromiseRejectedResult => s.status === "rejected")!.reason;
}

/**
 * Rename the stamped patch, then the policy, in that order: recovery reads a policy that
 * carries the rule's marker as approved, by whoever the patch's stamp names.
 */
async function replaceStep(env: StoreEnv, { record }: Loaded, staged: Staged): Promise<void> {
  try {
    await staged.seal.replace();
    await staged.stamp.replace();
    await env.beforeStep("write");
    await staged.policy.replace();
  } catch (error) {
    await staged.policy.discard();
    await staged.stamp.discard();
    await staged.seal.discard();
    // The policy was not replaced: the proposal stays pending, unstamped.
    await writeFileAtomic(record.file, staged.original).catch(() => {});
    throw error;
  }
}

async function commitStep(
  env: StoreEnv,
  { record, current }: Loaded,
  bumped: Bumped,
  by: { name: string; trailers: Record<string, string> },
  originalPatch: string,
): Promise<string | undefined> {
  const repo = await env.repo();
  if (!repo.root) return undefined;
  try {
    return await gitCommitFile(repo.root, {
      path: `${repo.prefix}${record.meta.policy}.yaml`,
      text: bumped.text,
      subject: record.meta.summary,
      trailers: {
        "Proposal-Id": record.id,
        "Approved-By": visibleText(by.name, 200),
        "Policy-Revision": String(bumped.result.policy.revision),
        ...by.trailers,
      },
    });
  } catch (error) {
    // Roll back so the proposal stays pending and the file matches the last commit.
    await writeFileAtomic(current.path, current.text, {
      onReplaced: () => pushPolicy(env, record.meta.policy, current.text, current.loaded),
    });
    await writeFileAtomic(record.file, originalPatch);
    throw error;
  }
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

function pushPolicy(env: StoreEnv, name: string, text: string, loaded: LoadedPolicy): void {
  const { hash, policy } = loaded;
  env.notify({ kind: "policy", name, revision: policy.revision, hash, text, policy });
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
