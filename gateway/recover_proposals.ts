/**
 * Recovery after an interrupted approval. Invariant: an approval writes the policy file
 * (with the rule's `# tollgate proposal <id>` marker) only after stamping the pending patch
 * with its decision, and moves the patch to `approved/` only after the write and the commit.
 * So a pending patch whose marker is in its policy file was approved (by an interrupted
 * approval, or by a person running `git am`): finish it — commit if our own write is still
 * uncommitted, then move the patch. Runs under the directory lock.
 *
 * @module
 */

import { join } from "node:path";
import { readPolicyFile } from "./policy_files.ts";
import { proposalMarker } from "./policy_text_edit.ts";
import { listProposalFiles, proposalFilePath } from "./proposal_files.ts";
import { stampDecision } from "./proposal_patch.ts";
import { readProposalRecord } from "./proposal_record.ts";
import { renameDurable, TEMP_FILE, writeFileAtomic } from "./atomic_file.ts";
import { gitCommitFile, gitFileDirty } from "./git_repo.ts";
import type { StoreEnv } from "./store_env.ts";

/** Pending temp files older than this belong to a dead writer. */
const STALE_TEMP_MS = 60_000;

/**
 * Ids of pending proposals whose rule is already in their policy file (cheap; no lock).
 *
 * @example
 * ```ts ignore
 * if ((await appliedPendingIds(dir)).length) await withDirectoryLock(dir, () => recoverProposals(env));
 * ```
 */
export async function appliedPendingIds(dir: string): Promise<string[]> {
  const texts = new Map<string, string | undefined>();
  const out: string[] = [];
  for (const file of await listProposalFiles(dir, "pending")) {
    const record = await readProposalRecord(file).catch(() => undefined);
    if (!record) continue;
    const name = record.meta.policy;
    if (!texts.has(name)) {
      texts.set(
        name,
        await Deno.readTextFile(join(dir, `${name}.yaml`)).catch(() => undefined),
      );
    }
    if (texts.get(name)?.includes(proposalMarker(record.id))) out.push(record.id);
  }
  return out;
}

/**
 * Finish every interrupted approval and remove dead temp files. Call with the lock held.
 *
 * @returns the ids moved to `approved/`
 * @example
 * ```ts ignore
 * await withDirectoryLock(dir, () => recoverProposals(env));
 * ```
 */
export async function recoverProposals(env: StoreEnv): Promise<string[]> {
  await removeDeadTemps(env.policiesDir);
  const done: string[] = [];
  for (const id of await appliedPendingIds(env.policiesDir)) {
    await finishApproval(env, id);
    done.push(id);
  }
  return done;
}

async function finishApproval(env: StoreEnv, id: string): Promise<void> {
  const dir = env.policiesDir;
  const pending = proposalFilePath(dir, "pending", id);
  const record = await readProposalRecord({ id, state: "pending", path: pending });
  const policy = await readPolicyFile(dir, record.meta.policy).catch(() => undefined);
  let decision = record.meta.decision;
  const ours = decision?.status === "approved";
  if (!ours || !decision) {
    // Applied by hand (e.g. `git am`): record it as such, at the file's current revision.
    decision = {
      status: "approved",
      by: "manual (applied outside tollgate)",
      at: env.now().toISOString(),
      revision: policy?.loaded.policy.revision,
    };
    await writeFileAtomic(pending, stampDecision(await Deno.readTextFile(pending), decision));
  }
  const repo = await env.repo();
  const path = `${repo.prefix}${record.meta.policy}.yaml`;
  if (ours && repo.root && await gitFileDirty(repo.root, path)) {
    await gitCommitFile(repo.root, {
      path,
      text: policy?.text,
      subject: record.meta.summary,
      trailers: {
        "Proposal-Id": id,
        "Approved-By": decision.by,
        "Policy-Revision": String(decision.revision ?? ""),
      },
    });
  }
  await renameDurable(pending, proposalFilePath(dir, "approved", id));
  if (policy) {
    const { revision } = policy.loaded.policy;
    env.notify({ kind: "policy", name: policy.name, revision, hash: policy.loaded.hash });
  }
  env.notify({ kind: "proposal", id, state: "approved", policy: record.meta.policy });
}

async function removeDeadTemps(dir: string): Promise<void> {
  const now = Date.now();
  for (const sub of [".", "pending", "approved", "rejected"]) {
    const at = join(dir, sub);
    const entries = await Array.fromAsync(Deno.readDir(at)).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile || !TEMP_FILE.test(entry.name)) continue;
      const path = join(at, entry.name);
      const age = now - ((await Deno.stat(path).catch(() => undefined))?.mtime?.getTime() ?? now);
      // Pending temps may belong to a live submit (submits take no lock).
      if (sub !== "pending" || age > STALE_TEMP_MS) await Deno.remove(path).catch(() => {});
    }
  }
}
