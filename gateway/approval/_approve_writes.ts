/**
 * The write steps of an approval: stage the stamped patch, the seal and the new policy, rename
 * them in the order recovery relies on, commit, and roll back when the commit fails. The new
 * policy is pushed to listeners as soon as it is the file on disk.
 *
 * @module
 */

import type { LoadedPolicy, RuleLease } from "../../proxy/policy/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";
import { buildFileDiff, stageSeal, stampDecision, withPatch } from "../proposals/mod.ts";
import { gitCommitFile, type StagedFile, stageFile, visibleText } from "../repo/mod.ts";
import { writeFileAtomic } from "../repo/mod.ts";
import { scopeFields } from "../automation/mod.ts";
import type { Applied, Bumped } from "./candidate.ts";
import type { Loaded } from "./_approve_load.ts";

/** The staged files of an approval, each fsynced beside its target. */
export interface Staged {
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
export async function stageStep(
  env: StoreEnv,
  { record, current, text: original, seal }: Loaded,
  applied: Applied & { lease?: RuleLease; ruleKey?: string },
  bumped: Bumped,
  by: string,
): Promise<Staged> {
  const decision = {
    ...scopeFields(applied.lease),
    ...(applied.ruleKey === undefined ? {} : { key: applied.ruleKey }),
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
export async function replaceStep(
  env: StoreEnv,
  { record }: Loaded,
  staged: Staged,
): Promise<void> {
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

/** What the commit step commits: the approval's loaded and bumped policy. */
export interface Committed {
  /** The proposal and the policy it was applied to. */
  loaded: Loaded;
  /** The new policy. */
  bumped: Bumped;
  /** The repository's driver overrides, when their read started earlier. */
  drivers?: Promise<Record<string, string>>;
}

/** Commit the new policy with its trailers; on failure restore the policy and the patch. */
export async function commitStep(
  env: StoreEnv,
  { loaded: { record, current }, bumped, drivers }: Committed,
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
    }, drivers);
  } catch (error) {
    // Roll back so the proposal stays pending and the file matches the last commit.
    await writeFileAtomic(current.path, current.text, {
      onReplaced: () => pushPolicy(env, record.meta.policy, current.text, current.loaded),
    });
    await writeFileAtomic(record.file, originalPatch);
    throw error;
  }
}

/**
 * Tell listeners (the reload push) that policy `name` is now `text`; `added` when it is the
 * policy of hash `added.from` plus rule `added.key` only (what an approval's checks proved).
 */
export function pushPolicy(
  env: StoreEnv,
  name: string,
  text: string,
  loaded: LoadedPolicy,
  added?: { from: string; key: string },
): void {
  const { hash, policy } = loaded;
  const change = { kind: "policy" as const, name, revision: policy.revision, hash, text, policy };
  env.notify(added ? { ...change, added } : change);
}
