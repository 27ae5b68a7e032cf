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
import { parseYamlValue } from "../../proxy/policy/mod.ts";
import { isPolicyName, listPolicyNames, readPolicyFile } from "../repo/mod.ts";
import { proposalMarker } from "../repo/mod.ts";
import { proposalFilePath } from "../proposals/mod.ts";
import { stampDecision } from "../proposals/mod.ts";
import { readProposalRecord } from "../proposals/mod.ts";
import { readSeal, removeSeal, ruleHash, sealDir, textHash } from "../proposals/mod.ts";
import { renameDurable, TEMP_FILE, writeFileAtomic } from "../repo/mod.ts";
import { gitCommitFile, gitFileDirty } from "../repo/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";

/** Pending temp files older than this belong to a dead writer. */
const STALE_TEMP_MS = 60_000;

/**
 * Ids of pending proposals whose rule is already in their policy file (cheap; no lock): the
 * seal's rule key holds a rule with the seal's content hash. With `only`, just that proposal
 * is looked at (a status read), so the cost does not grow with the number pending.
 *
 * @example
 * ```ts ignore
 * if ((await appliedPendingIds(dir)).length) await withDirectoryLock(dir, () => recoverProposals(env));
 * ```
 */
export async function appliedPendingIds(
  dir: string,
  only?: string,
  pending?: ReadonlySet<string>,
): Promise<string[]> {
  const texts = new Map<string, Promise<string | undefined>>();
  const out: string[] = [];
  for (const id of await markedPendingIds(dir, only, pending)) {
    const seal = await readSeal(dir, id);
    if (!seal || !isPolicyName(seal.policy)) continue;
    if (!texts.has(seal.policy)) {
      texts.set(
        seal.policy,
        Deno.readTextFile(join(dir, `${seal.policy}.yaml`)).catch(() => undefined),
      );
    }
    const text = await texts.get(seal.policy);
    // Cheap first (every approval and `git am` writes the marker), then the deciding check.
    if (!text?.includes(proposalMarker(seal.id))) continue;
    if (ruleHashIn(text, seal.ruleKey) === seal.ruleHash) out.push(seal.id);
  }
  return out;
}

/**
 * Pending ids whose marker is in some policy file: every approval (and `git am`) writes the
 * marker, so only these can have been applied. Reading the policies once and the pending
 * listing (names only) replaces reading the seal of every pending proposal.
 */
async function markedPendingIds(
  dir: string,
  only?: string,
  listed?: ReadonlySet<string>,
): Promise<string[]> {
  const out = new Set<string>();
  const marked = new Set<string>();
  for (const name of await listPolicyNames(dir).catch(() => [])) {
    const text = await Deno.readTextFile(join(dir, `${name}.yaml`)).catch(() => "");
    if (only !== undefined) {
      if (text.includes(proposalMarker(only))) out.add(only);
      continue;
    }
    for (const m of text.matchAll(MARKER)) marked.add(m[1]!);
  }
  if (only === undefined && marked.size > 0) {
    // Markers first: with none in any policy, the pending listing is not needed at all.
    const pending = listed ?? await pendingIds(dir);
    for (const id of marked) if (pending.has(id)) out.add(id);
  }
  if (only !== undefined && out.size > 0) {
    const live = await Deno.lstat(proposalFilePath(dir, "pending", only)).then(() => 1, () => 0);
    if (!live) return [];
  }
  return [...out].sort();
}

const MARKER = /# tollgate proposal (p-\d{8}T\d{6}-[a-z0-9]{6})/g;

function ruleHashIn(text: string, key: string): string | undefined {
  try {
    const rules = (parseYamlValue(text) as { network_policies?: Record<string, unknown> } | null)
      ?.network_policies;
    const rule = rules?.[key];
    return typeof rule === "object" && rule !== null ? ruleHash(rule) : undefined;
  } catch {
    return undefined;
  }
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
  if (ours && repo.root && await gitFileDirty(repo.root, path)) {
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
    });
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

/** The names in a directory (none when it is missing). */
async function entryNames(at: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(at)) names.push(entry.name);
  } catch {
    // Missing or unreadable: nothing to sweep there.
  }
  return names;
}

/** The ids of the pending patches. */
async function pendingIds(dir: string): Promise<Set<string>> {
  const names = await entryNames(join(dir, "pending"));
  return new Set(names.filter((n) => n.endsWith(".patch")).map((n) => n.slice(0, -6)));
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
