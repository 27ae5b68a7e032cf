/**
 * The per-sandbox index of pending proposals: `pending/.index/sandbox/<policy>/s-<sandbox>/<id>`
 * (`none` for proposals made without a sandbox), one empty file per proposal, written with its
 * seal. A submit deduplicates and counts against the cap from this directory, which holds about
 * as many entries as the cap allows, instead of reading the seal of every pending proposal
 * (10,000 file reads under the lock at 10,000 pending). An entry whose patch left `pending/` is
 * stale: it is skipped and removed when next seen. Proposals sealed before the index existed
 * are indexed once, on the first submit that finds no `.complete` marker (`ensureSandboxIndex`).
 *
 * @module
 */

import { join } from "node:path";
import { listProposalFiles, proposalFilePath } from "./proposal_files.ts";
import { type ProposalSeal, readSeal, sealDir } from "./proposal_seal.ts";

/** The index directory of one sandbox's proposals for one policy (names are checked already). */
function sandboxDir(policiesDir: string, policy: string, sandbox: string | undefined): string {
  // "s-" keeps a sandbox id such as ".." a plain file name.
  const who = sandbox === undefined ? "none" : `s-${sandbox}`;
  return join(sealDir(policiesDir), "sandbox", policy, who);
}

/**
 * Record a sealed proposal in its sandbox's index (call after its seal is written).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { indexSandboxProposal, sandboxPendingSeals } from "./sandbox_pending.ts";
 * import { writeSeal } from "./proposal_seal.ts";
 * const dir = await Deno.makeTempDir();
 * const id = "p-20261205T120000-abc123";
 * const seal = { id, policy: "team", sandbox: "sb-1", ruleKey: "gh", ruleHash: "", findings: [], patchHashes: [] };
 * await writeSeal(dir, seal);
 * await indexSandboxProposal(dir, seal);
 * await Deno.mkdir(`${dir}/pending`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/pending/${id}.patch`, "");
 * assert.deepEqual((await sandboxPendingSeals(dir, "team", "sb-1")).map((s) => s.id), [id]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function indexSandboxProposal(policiesDir: string, seal: ProposalSeal): Promise<void> {
  const dir = sandboxDir(policiesDir, seal.policy, seal.sandbox);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, seal.id), "");
}

/** Written once every pending proposal has its entry (a dot name is never a policy's). */
function completeMarker(policiesDir: string): string {
  return join(sealDir(policiesDir), "sandbox", ".complete");
}

/**
 * Index the pending proposals sealed before the per-sandbox index existed, once per store
 * (call under the directory lock, before counting): without it they would escape the cap and
 * deduplication. Later submits see the marker and skip the scan.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { ensureSandboxIndex, sandboxPendingSeals } from "./sandbox_pending.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", sandbox: "sb-1", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * await Deno.remove(`${dir}/pending/.index/sandbox`, { recursive: true }); // as before the index
 * await ensureSandboxIndex(dir);
 * assert.deepEqual((await sandboxPendingSeals(dir, "team", "sb-1")).map((s) => s.id), [id]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ensureSandboxIndex(policiesDir: string): Promise<void> {
  const marker = completeMarker(policiesDir);
  if (await Deno.lstat(marker).then(() => true, () => false)) return;
  for (const file of await listProposalFiles(policiesDir, "pending")) {
    const seal = await readSeal(policiesDir, file.id);
    if (seal) await indexSandboxProposal(policiesDir, seal);
  }
  await Deno.mkdir(join(sealDir(policiesDir), "sandbox"), { recursive: true });
  await Deno.writeTextFile(marker, "");
}

/**
 * The seals of the pending proposals `sandbox` made for `policy`, from its index; stale entries
 * (decided proposals) are removed on the way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { sandboxPendingSeals } from "./sandbox_pending.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", sandbox: "sb-1", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * assert.equal((await sandboxPendingSeals(dir, "team", "sb-1")).length, 1);
 * assert.equal((await sandboxPendingSeals(dir, "team", "sb-2")).length, 0);
 * await store.reject(id, { reason: "no" });
 * assert.equal((await sandboxPendingSeals(dir, "team", "sb-1")).length, 0); // decided: stale
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function sandboxPendingSeals(
  policiesDir: string,
  policy: string,
  sandbox: string | undefined,
): Promise<ProposalSeal[]> {
  const dir = sandboxDir(policiesDir, policy, sandbox);
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
  const seals = await Promise.all(entries.map(async (entry) => {
    const id = entry.name;
    const pending = await Deno.lstat(proposalFilePath(policiesDir, "pending", id))
      .then(() => true, () => false);
    if (!pending) {
      await Deno.remove(join(dir, id)).catch(() => {});
      return undefined;
    }
    const seal = await readSeal(policiesDir, id);
    // The seal decides: an entry never widens what a sandbox is told about.
    return seal?.policy === policy && seal.sandbox === sandbox ? seal : undefined;
  }));
  return seals.filter((s): s is ProposalSeal => s !== undefined);
}
