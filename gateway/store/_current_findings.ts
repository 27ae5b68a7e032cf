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
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache, ProposalStore } from "../mod.ts";
 * import { findProposalRecord } from "../proposals/mod.ts";
 * import { withCurrentFindings } from "./_current_findings.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * // Someone edits the pending patch after Tollgate wrote it.
 * const path = `${dir}/pending/${id}.patch`;
 * await Deno.writeTextFile(path, (await Deno.readTextFile(path)).replace("[PATCH] ", "[PATCH] edited "));
 * const env = { policiesDir: dir, policies: new PolicyCache() };
 * const [shown] = await withCurrentFindings(env, [(await findProposalRecord(dir, id))!]);
 * assert(shown!.meta.findings.some((f) => f.code === "patch_changed" && f.severity === "refuse"));
 * await Deno.remove(dir, { recursive: true });
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
    ? checkProposedRule(record.rule, current.loaded, { ceiling, workdir: record.meta.workdir })
      .findings
    : [];
  if (!problem) return findings;
  const message = `${problem}; approval will refuse it`;
  return [{ severity: "refuse", code: "patch_changed", message }, ...findings];
}
