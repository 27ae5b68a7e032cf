/**
 * What a reviewer (and the agent) is shown for a pending proposal: findings recomputed against
 * the current policy, never the list written in the editable patch, and a `patch_changed`
 * refusal when the patch is not the one Tollgate wrote (its seal disagrees).
 *
 * @module
 */

import type { Finding } from "../../proxy/policy_local/mod.ts";
import { type PolicyFile, readPolicyFile } from "../repo/mod.ts";
import { checkProposedRule } from "../proposals/mod.ts";
import type { PolicyCache } from "../repo/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import type { CeilingView } from "../authority/mod.ts";
import { readSeal, sealProblem } from "../proposals/mod.ts";

/**
 * Pending records with their findings recomputed; other records unchanged.
 *
 * @example
 * ```ts ignore
 * const shown = await withCurrentFindings({ policiesDir, policies: new PolicyCache() }, records);
 * ```
 */
export async function withCurrentFindings(
  env: { policiesDir: string; policies: PolicyCache },
  records: ProposalRecord[],
  ceiling?: CeilingView,
): Promise<ProposalRecord[]> {
  const dir = env.policiesDir;
  const load = (text: string, file: string) => env.policies.load(text, file);
  const policies = new Map<string, Promise<PolicyFile | undefined>>();
  const policy = (name: string) => {
    if (!policies.has(name)) {
      policies.set(name, readPolicyFile(dir, name, load).catch(() => undefined));
    }
    return policies.get(name)!;
  };
  return await Promise.all(records.map(async (record) => {
    if (record.state !== "pending") return record;
    const findings = await currentFindings(dir, record, await policy(record.meta.policy), ceiling);
    return { ...record, meta: { ...record.meta, findings } };
  }));
}

async function currentFindings(
  dir: string,
  record: ProposalRecord,
  current: PolicyFile | undefined,
  ceiling: CeilingView | undefined,
): Promise<Finding[]> {
  const text = record.text ?? await Deno.readTextFile(record.file).catch(() => "");
  const { policy, ruleKey } = record.meta;
  const problem = sealProblem(await readSeal(dir, record.id), {
    text,
    policy,
    ruleKey,
    rule: record.rule,
  });
  const findings = current && !record.ruleError
    ? checkProposedRule(record.rule, current.loaded, ceiling).findings
    : [];
  if (!problem) return findings;
  const message = `${problem}; approval will refuse it`;
  return [{ severity: "refuse", code: "patch_changed", message }, ...findings];
}
