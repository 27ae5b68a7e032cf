/**
 * A proposal listing: pending proposals from their seals (findings recomputed only when the
 * policy or ceiling text changed since they were computed, then kept in the findings cache for
 * the next listing), the rest, and pending proposals whose seal has no listing, read whole.
 *
 * @module
 */

import type { Finding } from "../../proxy/policy_local/mod.ts";
import {
  findingsBasis,
  findingsCachePath,
  type ListedProposal,
  readFindingsCache,
  readSealedListings,
  type SealedListing,
} from "../listing/mod.ts";
import { type PolicyFile, readPolicyFile, writeFileAtomic } from "../repo/mod.ts";
import type { PolicyCache } from "../repo/mod.ts";
import {
  checkProposedRule,
  type ProposalFile,
  type ProposalRecord,
  readProposalRecord,
} from "../proposals/mod.ts";
import type { CeilingView } from "../authority/mod.ts";
import { withCurrentFindings } from "./_current_findings.ts";

/** What listing needs of the store. */
export interface ListEnv {
  policiesDir: string;
  policies: PolicyCache;
  ceilingFile?: string;
}

/**
 * The proposals of `files` (sorted), as a listing shows them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache, ProposalStore } from "../mod.ts";
 * import { listProposalFiles } from "../proposals/mod.ts";
 * import { listProposals } from "./_list_proposals.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const env = { policiesDir: dir, policies: new PolicyCache() };
 * const [shown] = await listProposals(env, await listProposalFiles(dir));
 * assert.equal(shown?.id, id);
 * assert(shown!.meta.findings.some((f) => f.code === "use_l7_not_l4"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listProposals(
  env: ListEnv,
  files: ProposalFile[],
  ceiling?: { view: CeilingView | undefined; text: string | undefined },
): Promise<ListedProposal[]> {
  const pending = files.filter((f) => f.state === "pending").map((f) => f.id);
  const sealed = await readSealedListings(env.policiesDir, pending, {
    ceilingFile: env.ceilingFile,
  });
  const whole = files.filter((f) => !sealed.has(f.id));
  const records = await Promise.all(whole.map((f) => readProposalRecord(f).catch(() => undefined)));
  const read = records.filter((r): r is ProposalRecord => r !== undefined);
  const shown = new Map<string, ListedProposal>(
    (await withCurrentFindings(env, read, ceiling?.view)).map((r) => [r.id, r]),
  );
  const policy = policyReader(env);
  const stale = [...sealed.values()].filter((s) => !s.current).map((s) => s.proposal);
  for (const { proposal } of sealed.values()) shown.set(proposal.id, proposal);
  const rechecked = await Promise.all(stale.map((p) => recheck(p, policy, ceiling?.view)));
  for (const proposal of rechecked) shown.set(proposal.id, proposal);
  if (rechecked.length > 0) await saveFindings(env, rechecked, policy, ceiling?.text, sealed);
  return files.map((f) => shown.get(f.id)).filter((p): p is ListedProposal => p !== undefined);
}

/**
 * Keep the recomputed findings for the next listing, labelled with the basis of the texts they
 * were computed on; entries of other policies still pending are kept. Best effort: a listing
 * that cannot write (a read-only checkout) still lists.
 */
async function saveFindings(
  env: ListEnv,
  rechecked: ListedProposal[],
  policy: (name: string) => Promise<PolicyFile | undefined>,
  ceilingText: string | undefined,
  sealed: Map<string, SealedListing>,
): Promise<void> {
  const bases: Record<string, string> = {};
  for (const name of new Set(rechecked.map((p) => p.meta.policy))) {
    const current = await policy(name);
    if (current) bases[name] = await findingsBasis(current.text, ceilingText);
  }
  const old = await readFindingsCache(env.policiesDir);
  const findings: Record<string, Finding[]> = {};
  for (const [id, list] of Object.entries(old.findings)) {
    const name = sealed.get(id)?.proposal.meta.policy;
    if (name !== undefined && bases[name] === undefined) findings[id] = list;
  }
  for (const p of rechecked) {
    if (bases[p.meta.policy] === undefined) continue;
    findings[p.id] = p.meta.findings.filter((f) => f.code !== "patch_changed");
  }
  const text = JSON.stringify({ bases: { ...old.bases, ...bases }, findings });
  const path = findingsCachePath(env.policiesDir);
  try {
    await keepOutOfGit(path);
    await writeFileAtomic(path, text + "\n");
  } catch {
    // Best effort: the next listing recomputes.
  }
}

/**
 * A derived file must never be committed: a remote-backed store commits the whole policies
 * directory, and two gateways rewriting one cached file would conflict on every sync.
 */
async function keepOutOfGit(path: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const ignore = `${path.slice(0, slash)}/.gitignore`;
  const line = `/${path.slice(slash + 1)}\n`;
  const current = await Deno.readTextFile(ignore).catch(() => "");
  if (!current.split("\n").includes(line.trimEnd())) {
    await Deno.writeTextFile(ignore, line, { append: true });
  }
}

function policyReader(env: ListEnv): (name: string) => Promise<PolicyFile | undefined> {
  const load = (text: string, file: string) => env.policies.load(text, file);
  const policies = new Map<string, Promise<PolicyFile | undefined>>();
  return (name) => {
    if (!policies.has(name)) {
      policies.set(name, readPolicyFile(env.policiesDir, name, load).catch(() => undefined));
    }
    return policies.get(name)!;
  };
}

/** The proposal with its findings computed on the current policy (a patch note kept). */
async function recheck(
  proposal: ListedProposal,
  policy: (name: string) => Promise<PolicyFile | undefined>,
  ceiling: CeilingView | undefined,
): Promise<ListedProposal> {
  const current = await policy(proposal.meta.policy);
  const noted: Finding[] = proposal.meta.findings.filter((f) => f.code === "patch_changed");
  const workdir = proposal.meta.workdir;
  const checked = current
    ? checkProposedRule(proposal.rule, current.loaded, { ceiling, workdir }).findings
    : [];
  return { ...proposal, meta: { ...proposal.meta, findings: [...noted, ...checked] } };
}
