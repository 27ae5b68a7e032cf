/**
 * Recovery after an interrupted approval. Invariant: an approval writes the policy file
 * only after stamping the pending patch with its decision (and its seal), and moves the patch
 * to `approved/` only after the write and the commit. So a pending proposal whose rule is in
 * its policy file — under the rule key its seal records, with the content hash its seal
 * records — was approved (by an interrupted approval, or by a person running `git am`): finish
 * it — commit if our own write is still uncommitted, then move the patch. Text in a policy
 * (a `# tollgate proposal <id>` marker inside some rule's name) decides nothing: only the
 * seal, which Tollgate alone writes, and the rule itself. Runs under the directory lock.
 *
 * @module
 */

import { join } from "node:path";
import { readPolicyFile } from "../repo/mod.ts";
import { proposalFilePath } from "../proposals/mod.ts";
import { stampDecision } from "../proposals/mod.ts";
import { readProposalRecord } from "../proposals/mod.ts";
import { readSeal, removeSeal, sealDir, textHash } from "../proposals/mod.ts";
import { renameDurable, TEMP_FILE, writeFileAtomic } from "../repo/mod.ts";
import { gitCommitFile, gitDriverOverrides, gitFileDirty } from "../repo/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";
import { appliedPendingIds } from "./applied_pending_ids.ts";
import { entryNames } from "./_pending_names.ts";

/** Pending temp files older than this belong to a dead writer. */
const STALE_TEMP_MS = 60_000;

/**
 * Finish every interrupted approval and remove dead temp files. Call with the lock held.
 *
 * @returns the ids moved to `approved/`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { withDirectoryLock } from "../repo/mod.ts";
 * import { approveProposal, recoverProposals } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const env = {
 *   policiesDir: dir,
 *   now: () => new Date(),
 *   emit: () => {},
 *   notify: () => {},
 *   repo: () => Promise.resolve({ prefix: "" }), // not in Git: nothing is committed
 *   // Crash after the policy was written, before the patch moved to approved/.
 *   beforeStep: (step: string) => step === "move" ? Promise.reject(new Error("crash")) : Promise.resolve(),
 *   policies: new PolicyCache(),
 * };
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await submitProposal(env, { policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * await assert.rejects(approveProposal(env, id, { approvedBy: "alice" }), /crash/);
 * assert.deepEqual(await withDirectoryLock(dir, () => recoverProposals(env)), [id]);
 * assert(await Deno.stat(`${dir}/approved/${id}.patch`));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function recoverProposals(env: StoreEnv): Promise<string[]> {
  // One listing of pending/ (10,000 names at scale) serves the temp and seal sweeps and the
  // search for applied proposals.
  const names = await entryNames(join(env.policiesDir, "pending"));
  const pending = new Set(names.filter((n) => n.endsWith(".patch")).map((n) => n.slice(0, -6)));
  await removeDeadTemps(env.policiesDir, pending, names);
  const done: string[] = [];
  for (const id of await appliedPendingIds(env.policiesDir, undefined, pending)) {
    await finishApproval(env, id);
    done.push(id);
  }
  return done;
}

async function finishApproval(env: StoreEnv, id: string): Promise<void> {
  const dir = env.policiesDir;
  const pending = proposalFilePath(dir, "pending", id);
  const record = await readProposalRecord({ id, state: "pending", path: pending });
  const load = (text: string, file: string) => env.policies.load(text, file);
  const policy = await readPolicyFile(dir, record.meta.policy, load).catch(() => undefined);
  let decision = record.meta.decision;
  // The stamp counts only in a patch Tollgate wrote (its seal knows the text).
  const sealed = (await readSeal(dir, id))?.patchHashes.includes(
    textHash(await Deno.readTextFile(pending)),
  );
  const ours = sealed === true && decision?.status === "approved";
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
  // One read of the driver overrides serves the status and the commit.
  const drivers = ours && repo.root ? gitDriverOverrides(repo.root) : undefined;
  drivers?.catch(() => {}); // awaited below, which reports the failure
  if (ours && repo.root && await gitFileDirty(repo.root, path, drivers)) {
    await gitCommitFile(repo.root, {
      path,
      text: policy?.text,
      subject: record.meta.summary,
      trailers: {
        "Proposal-Id": id,
        "Approved-By": decision.by,
        "Policy-Revision": String(decision.revision ?? ""),
        // A scoped approval's commit states its scope, interrupted or not.
        ...(decision.scope && decision.scope !== "durable" ? { Scope: decision.scope } : {}),
        ...(decision.expires ? { Expires: decision.expires } : {}),
      },
    }, drivers);
  }
  await renameDurable(pending, proposalFilePath(dir, "approved", id));
  await removeSeal(dir, id);
  if (policy) {
    const { revision } = policy.loaded.policy;
    env.notify({ kind: "policy", name: policy.name, revision, hash: policy.loaded.hash });
  }
  env.notify({ kind: "proposal", id, state: "approved", policy: record.meta.policy });
}

async function removeDeadTemps(
  dir: string,
  pending: ReadonlySet<string>,
  pendingNames: string[],
): Promise<void> {
  const now = Date.now();
  for (const sub of [".", "pending", "approved", "rejected"]) {
    const at = join(dir, sub);
    const names = sub === "pending" ? pendingNames : await entryNames(at);
    for (const name of names) {
      if (!TEMP_FILE.test(name)) continue;
      const path = join(at, name);
      const info = await Deno.lstat(path).catch(() => undefined);
      if (!info?.isFile) continue;
      const age = now - (info.mtime?.getTime() ?? now);
      // Pending temps may belong to a live submit (submits take no lock).
      if (sub !== "pending" || age > STALE_TEMP_MS) await Deno.remove(path).catch(() => {});
    }
  }
  await removeDeadSeals(dir, now, pending);
}

/** Seals (and their temps) whose patch left `pending/` or was never written by a live submit. */
async function removeDeadSeals(
  dir: string,
  now: number,
  pending: ReadonlySet<string>,
): Promise<void> {
  const at = sealDir(dir);
  // A seal beside its pending patch is live: no stat for each of 10,000 pending proposals.
  for (const entry of await Array.fromAsync(Deno.readDir(at)).catch(() => [])) {
    const path = join(at, entry.name);
    const id = entry.name.replace(/\.json$/, "");
    if (entry.isFile && !TEMP_FILE.test(entry.name) && pending.has(id)) continue;
    const mtime = (await Deno.stat(path).catch(() => undefined))?.mtime?.getTime() ?? now;
    if (!entry.isFile || now - mtime <= STALE_TEMP_MS) continue;
    const live = await Deno.lstat(proposalFilePath(dir, "pending", id)).then(() => 1, () => 0);
    if (TEMP_FILE.test(entry.name) || !live) await Deno.remove(path).catch(() => {});
  }
}
