/**
 * The submit record ("seal") of a pending proposal: `pending/.index/<id>.json`, written only by
 * Tollgate (submit, refresh, approval), never shown in a diff, and read-only inside a sandbox
 * like the rest of the policy repository. It binds the patch file to what was proposed and
 * checked: approval applies a patch only if it is one Tollgate wrote, the findings a reviewer
 * must have seen come from here, and recovery decides "applied" from the rule key and the rule's
 * content hash recorded here, never from marker text in a policy.
 *
 * @module
 */

import { join } from "node:path";
import type { Finding } from "../../proxy/policy_local/mod.ts";
import { type StagedFile, stageFile, writeFileAtomic } from "../repo/mod.ts";
import { byteSize, type ListedProposal, type SealListing } from "../listing/mod.ts";
import { ruleHash, textHash } from "./proposal_hashes.ts";

/** What Tollgate recorded when it wrote a pending proposal's patch. */
export interface ProposalSeal {
  /** Proposal id. */
  id: string;
  /** Target policy. */
  policy: string;
  /** The proposing sandbox's id, when the proposal came from one. */
  sandbox?: string;
  /** Key of the new rule. */
  ruleKey: string;
  /** `ruleHash()` of the proposed rule. */
  ruleHash: string;
  /** Findings of the checks when the patch was written (what the reviewer was shown). */
  findings: Finding[];
  /** `textHash()` of the patch texts Tollgate wrote, newest last (a crash may leave either). */
  patchHashes: string[];
  /** What a listing shows (absent in seals written before listings read seals). */
  listing?: SealListing;
}

/** Directory of the seals, inside `pending/` (its name starts with a dot: never a proposal). */
export function sealDir(policiesDir: string): string {
  return join(policiesDir, "pending", ".index");
}

/** Path of proposal `id`'s seal (the id must already be validated). */
export function sealPath(policiesDir: string, id: string): string {
  return join(sealDir(policiesDir), `${id}.json`);
}

/**
 * Read proposal `id`'s seal; undefined when there is none or it is unreadable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSeal, writeSeal } from "./proposal_seal.ts";
 * const dir = await Deno.makeTempDir();
 * const seal = { id: "p-20261205T120000-abc123", policy: "team", ruleKey: "gh", ruleHash: "", findings: [], patchHashes: [] };
 * assert.equal(await readSeal(dir, seal.id), undefined);
 * await writeSeal(dir, seal);
 * assert.deepEqual(await readSeal(dir, seal.id), seal);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readSeal(policiesDir: string, id: string): Promise<ProposalSeal | undefined> {
  try {
    const seal = JSON.parse(await Deno.readTextFile(sealPath(policiesDir, id)));
    return seal?.id === id && Array.isArray(seal.patchHashes) ? seal as ProposalSeal : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Write a seal atomically (before the patch it describes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSeal, writeSeal } from "./proposal_seal.ts";
 * const dir = await Deno.makeTempDir();
 * const seal = { id: "p-20261205T120000-abc123", policy: "team", ruleKey: "gh", ruleHash: "", findings: [], patchHashes: [] };
 * await writeSeal(dir, { ...seal, patchHashes: ["a"] });
 * assert.deepEqual((await readSeal(dir, seal.id))?.patchHashes, ["a"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeSeal(policiesDir: string, seal: ProposalSeal): Promise<void> {
  await Deno.mkdir(sealDir(policiesDir), { recursive: true });
  await writeFileAtomic(sealPath(policiesDir, seal.id), JSON.stringify(seal) + "\n");
}

/**
 * Stage a seal beside its target (see `stageFile`), to be replaced with other files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSeal, stageSeal } from "./proposal_seal.ts";
 * const dir = await Deno.makeTempDir();
 * const seal = { id: "p-20261205T120000-abc123", policy: "team", ruleKey: "gh", ruleHash: "", findings: [], patchHashes: [] };
 * const staged = await stageSeal(dir, seal);
 * assert.equal(await readSeal(dir, seal.id), undefined); // not in place yet
 * await staged.replace();
 * assert.deepEqual(await readSeal(dir, seal.id), seal);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function stageSeal(policiesDir: string, seal: ProposalSeal): Promise<StagedFile> {
  await Deno.mkdir(sealDir(policiesDir), { recursive: true });
  return await stageFile(sealPath(policiesDir, seal.id), JSON.stringify(seal) + "\n");
}

/**
 * A seal that also accepts `text` as a patch Tollgate wrote (keeps the previous text too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textHash } from "./proposal_hashes.ts";
 * import { withPatch } from "./proposal_seal.ts";
 * const seal = { id: "p-1", policy: "team", ruleKey: "gh", ruleHash: "", findings: [], patchHashes: ["a", "b"] };
 * // The patch Tollgate wrote last and the new one: a crash between the two leaves either.
 * assert.deepEqual(withPatch(seal, "stamped").patchHashes, ["b", textHash("stamped")]);
 * ```
 */
export function withPatch(seal: ProposalSeal, text: string): ProposalSeal {
  const last = seal.patchHashes.at(-1);
  const patchHashes = [...(last === undefined ? [] : [last]), textHash(text)];
  if (!seal.listing) return { ...seal, patchHashes };
  const bytes = seal.listing.patchBytes.at(-1);
  const patchBytes = [...(bytes === undefined ? [] : [bytes]), byteSize(text)];
  return { ...seal, patchHashes, listing: { ...seal.listing, patchBytes } };
}

/**
 * What a listing of a proposal shows, for its seal: read back from the patch Tollgate wrote
 * (`record`), with the checks of its rule on the texts whose basis is `basis`, so a listing
 * from the seal shows what one from the patch would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sealListing } from "./proposal_seal.ts";
 * const meta = { policy: "team", ruleKey: "gh", created: "c", summary: "s", findings: [], rationale: "r" };
 * const rule = { endpoints: [{ host: "h", port: 443 }], binaries: [{ path: "/b" }] };
 * const listing = sealListing({ meta, rule }, { basis: "x", findings: [] }, [120]);
 * assert.equal(listing.summary, "s");
 * assert.deepEqual(listing.patchBytes, [120]);
 * ```
 */
export function sealListing(
  record: Pick<ListedProposal, "meta" | "rule">,
  checked: { basis: string; findings: Finding[] },
  patchBytes: number[],
): SealListing {
  const { summary, created, rationale, binary, workdir } = record.meta;
  const named = { ...(binary === undefined ? {} : { binary }), ...(workdir ? { workdir } : {}) };
  return { summary, created, rationale, ...named, rule: record.rule, ...checked, patchBytes };
}

/** Remove a seal (its proposal left `pending/`); never throws. */
export async function removeSeal(policiesDir: string, id: string): Promise<void> {
  await Deno.remove(sealPath(policiesDir, id)).catch(() => {});
}

/** What a patch file says that a seal must confirm. */
export interface SealedFacts {
  /** The patch file's whole text. */
  text: string;
  /** The policy it names. */
  policy: string;
  /** The key of the rule it adds. */
  ruleKey: string;
  /** The rule its diff adds. */
  rule: unknown;
}

/**
 * Why a pending patch is not the one Tollgate wrote, or undefined when its seal confirms it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ruleHash, textHash } from "./proposal_hashes.ts";
 * import { sealProblem } from "./proposal_seal.ts";
 * const rule = { endpoints: [{ host: "h", port: 443 }], binaries: [{ path: "/b" }] };
 * const facts = { text: "the patch", policy: "team", ruleKey: "gh", rule };
 * const patchHashes = [textHash("the patch")];
 * const seal = { id: "p-1", policy: "team", ruleKey: "gh", ruleHash: ruleHash(rule), findings: [], patchHashes };
 * assert.equal(sealProblem(seal, facts), undefined);
 * assert.match(sealProblem(seal, { ...facts, text: "edited" })!, /changed since it was submitted/);
 * assert.match(sealProblem(undefined, facts)!, /no submit record/);
 * ```
 */
export function sealProblem(
  seal: ProposalSeal | undefined,
  facts: SealedFacts,
): string | undefined {
  if (!seal) return "it has no submit record, so Tollgate did not write it as it is";
  const same = seal.policy === facts.policy && seal.ruleKey === facts.ruleKey &&
    seal.ruleHash === ruleHash(facts.rule) && seal.patchHashes.includes(textHash(facts.text));
  return same ? undefined : "its patch file changed since it was submitted";
}
