/**
 * The journal of a rule removal in progress: `pending/.removals/<policy>.json`, written before
 * the policy file is rewritten and cleared after the commit. A process killed in between
 * leaves the journal; the next removal (or start-up sweep) finishes the work: when the policy
 * file holds the journaled text it commits it with the journaled trailers, otherwise (the
 * rewrite never happened) it drops the journal. Runs under the directory lock.
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "../repo/mod.ts";
import { gitCommitFile, gitDriverOverrides, gitFileDirty } from "../repo/mod.ts";
import { isPolicyName, readPolicyFile } from "../repo/mod.ts";
import { textHash } from "../proposals/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";

/** What a removal records before it rewrites the policy file. */
export interface RemovalJournal {
  /** The policy rewritten. */
  policy: string;
  /** `textHash()` of the text the rewrite writes. */
  textHash: string;
  /** The commit to make of it. */
  subject: string;
  /** Its trailers (`Removed-By`, `Removed-Rules`, `Policy-Revision`, …). */
  trailers: Record<string, string>;
}

function journalDir(policiesDir: string): string {
  return join(policiesDir, "pending", ".removals");
}

function journalPath(policiesDir: string, policy: string): string {
  return join(journalDir(policiesDir), `${policy}.json`);
}

/**
 * Record a removal about to rewrite `journal.policy`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearJournal, writeJournal } from "./removal_journal.ts";
 * const dir = await Deno.makeTempDir();
 * await writeJournal(dir, { policy: "team", textHash: "0", subject: "s", trailers: {} });
 * assert(await Deno.stat(`${dir}/pending/.removals/team.json`));
 * await clearJournal(dir, "team");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeJournal(policiesDir: string, journal: RemovalJournal): Promise<void> {
  await Deno.mkdir(journalDir(policiesDir), { recursive: true });
  await writeFileAtomic(journalPath(policiesDir, journal.policy), JSON.stringify(journal));
}

/**
 * Forget the journal of `policy` (its removal is committed, or never happened).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearJournal, writeJournal } from "./removal_journal.ts";
 * const dir = await Deno.makeTempDir();
 * await writeJournal(dir, { policy: "team", textHash: "0", subject: "s", trailers: {} });
 * await clearJournal(dir, "team");
 * await clearJournal(dir, "team"); // already gone: no error
 * await assert.rejects(Deno.stat(`${dir}/pending/.removals/team.json`), Deno.errors.NotFound);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function clearJournal(policiesDir: string, policy: string): Promise<void> {
  await Deno.remove(journalPath(policiesDir, policy)).catch(() => {});
}

/**
 * Finish every interrupted removal: commit a rewrite that reached the file, drop a journal
 * whose rewrite did not. Call with the directory lock held.
 *
 * @returns the policies whose interrupted removal was committed now
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache, withDirectoryLock } from "../repo/mod.ts";
 * import { textHash } from "../proposals/mod.ts";
 * import { recoverRemovals, writeJournal } from "./removal_journal.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * const env = {
 *   policiesDir: dir,
 *   now: () => new Date(),
 *   emit: () => {},
 *   notify: () => {},
 *   repo: () => Promise.resolve({ root: dir, prefix: "" }),
 *   beforeStep: () => Promise.resolve(),
 *   policies: new PolicyCache(),
 * };
 * const git = (...args: string[]) => new Deno.Command("git", { args: ["-C", dir, ...args] }).output();
 * await git("add", "team.yaml");
 * await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
 * // A removal journaled and rewrote the file, then the process died before its commit.
 * const text = "version: 1\nrevision: 2\n";
 * const journal = { policy: "team", textHash: textHash(text), subject: "remove gh", trailers: {} };
 * await writeJournal(dir, journal);
 * await Deno.writeTextFile(`${dir}/team.yaml`, text);
 * assert.deepEqual(await withDirectoryLock(dir, () => recoverRemovals(env)), ["team"]);
 * const log = new TextDecoder().decode((await git("log", "-1", "--format=%s")).stdout);
 * assert.equal(log.trim(), "remove gh");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function recoverRemovals(env: StoreEnv): Promise<string[]> {
  const entries = await Array.fromAsync(Deno.readDir(journalDir(env.policiesDir))).catch(() => []);
  const done: string[] = [];
  for (const entry of entries) {
    const policy = entry.name.replace(/\.json$/, "");
    if (!entry.isFile || !entry.name.endsWith(".json") || !isPolicyName(policy)) continue;
    const journal = await readJournal(env.policiesDir, policy);
    const current = await readPolicyFile(env.policiesDir, policy).catch(() => undefined);
    if (journal && current && textHash(current.text) === journal.textHash) {
      await commitIfDirty(env, journal, current.text);
      const { revision } = current.loaded.policy;
      env.notify({ kind: "policy", name: policy, revision, hash: current.loaded.hash });
      done.push(policy);
    }
    await clearJournal(env.policiesDir, policy);
  }
  return done;
}

async function readJournal(dir: string, policy: string): Promise<RemovalJournal | undefined> {
  try {
    const j = JSON.parse(await Deno.readTextFile(journalPath(dir, policy))) as RemovalJournal;
    const ok = j.policy === policy && typeof j.textHash === "string" &&
      typeof j.subject === "string" && typeof j.trailers === "object" && j.trailers !== null;
    return ok ? j : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Commit the rewritten policy with the journal's message, when the directory is in Git and the
 * file differs from HEAD (a crash after the commit leaves nothing to do).
 *
 * @returns the commit, or undefined when none was made
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache, withDirectoryLock } from "../repo/mod.ts";
 * import { textHash } from "../proposals/mod.ts";
 * import { commitIfDirty, writeJournal } from "./removal_journal.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * const env = {
 *   policiesDir: dir,
 *   now: () => new Date(),
 *   emit: () => {},
 *   notify: () => {},
 *   repo: () => Promise.resolve({ root: dir, prefix: "" }),
 *   beforeStep: () => Promise.resolve(),
 *   policies: new PolicyCache(),
 * };
 * const git = (...args: string[]) => new Deno.Command("git", { args: ["-C", dir, ...args] }).output();
 * await git("add", "team.yaml");
 * await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
 * // A removal journaled and rewrote the file, then the process died before its commit.
 * const text = "version: 1\nrevision: 2\n";
 * const journal = { policy: "team", textHash: textHash(text), subject: "remove gh", trailers: {} };
 * await writeJournal(dir, journal);
 * await Deno.writeTextFile(`${dir}/team.yaml`, text);
 * assert.match((await commitIfDirty(env, journal, text))!, /^[0-9a-f]{7,}$/); // the short hash
 * assert.equal(await commitIfDirty(env, journal, text), undefined); // committed already
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function commitIfDirty(
  env: StoreEnv,
  journal: RemovalJournal,
  text: string,
): Promise<string | undefined> {
  const repo = await env.repo();
  if (!repo.root) return undefined;
  const path = `${repo.prefix}${journal.policy}.yaml`;
  // One read of the driver overrides serves the status and the commit.
  const drivers = gitDriverOverrides(repo.root);
  drivers.catch(() => {}); // awaited below, which reports the failure
  if (!(await gitFileDirty(repo.root, path, drivers))) return undefined;
  // The same commit helper as approvals: whatever publishes an approval publishes this too.
  return await gitCommitFile(repo.root, {
    path,
    text,
    subject: journal.subject,
    trailers: journal.trailers,
  }, drivers);
}
