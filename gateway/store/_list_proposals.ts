/**
 * A proposal listing: pending proposals from their seals (findings recomputed only when the
 * policy or ceiling text changed since they were computed), the rest, and pending proposals
 * whose seal has no listing, read whole.
 *
 * @module
 */

import type { Finding } from "../../proxy/policy_local/mod.ts";
import { type ListedProposal, readSealedListings } from "../listing/mod.ts";
import { type PolicyFile, readPolicyFile } from "../repo/mod.ts";
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
 * ```ts ignore
 * const shown = await listProposals(env, await listProposalFiles(dir), ceiling);
 * ```
 */
export async function listProposals(
  env: ListEnv,
  files: ProposalFile[],
  ceiling?: CeilingView,
): Promise<ListedProposal[]> {
  const pending = files.filter((f) => f.state === "pending").map((f) => f.id);
  const sealed = await readSealedListings(env.policiesDir, pending, {
    ceilingFile: env.ceilingFile,
  });
  const whole = files.filter((f) => !sealed.has(f.id));
  const records = await Promise.all(whole.map((f) => readProposalRecord(f).catch(() => undefined)));
  const read = records.filter((r): r is ProposalRecord => r !== undefined);
  const shown = new Map<string, ListedProposal>(
    (await withCurrentFindings(env, read, ceiling)).map((r) => [r.id, r]),
  );
  const policy = policyReader(env);
  await Promise.all([...sealed.values()].map(async ({ proposal, current }) => {
    shown.set(proposal.id, current ? proposal : await recheck(proposal, policy, ceiling));
  }));
  return files.map((f) => shown.get(f.id)).filter((p): p is ListedProposal => p !== undefined);
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
  const checked = current ? checkProposedRule(proposal.rule, current.loaded, ceiling).findings : [];
  return { ...proposal, meta: { ...proposal.meta, findings: [...noted, ...checked] } };
}
