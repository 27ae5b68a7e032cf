/**
 * A checked rule drafted as a proposal: the patch file's text (a new id, a free rule key, the
 * diff, the message) and the seal that vouches for it.
 *
 * @module
 */

import type { NetworkRule } from "../../proxy/policy/mod.ts";
import type { ProposalInput } from "../../proxy/policy_local/mod.ts";
import { insertRuleText, type PolicyFile, ruleKeyFor } from "../repo/mod.ts";
import type { SealListing } from "../listing/mod.ts";
import type { CheckResult } from "./proposal_checks.ts";
import { newProposalId } from "./proposal_id.ts";
import { formatProposalPatch, type ProposalMeta } from "./proposal_patch.ts";
import type { ProposalSeal } from "./proposal_seal.ts";
import { ruleHash, textHash } from "./proposal_hashes.ts";
import { buildFileDiff } from "./rule_diff.ts";
import type { StoreEnv } from "./store_env.ts";
import { reviewedBinaries, summarizeRule } from "./summarize_rule.ts";

/** The patch file text for a checked rule: a new id, a free rule key, the diff, the message. */
export async function draftPatch(
  env: StoreEnv,
  input: ProposalInput,
  current: PolicyFile,
  check: CheckResult & { rule: NetworkRule },
): Promise<{ meta: ProposalMeta; text: string }> {
  const id = newProposalId(env.now());
  const ruleKey = ruleKeyFor(input.ruleName, Object.keys(current.loaded.policy.network_policies));
  const after = insertRuleText(current.text, ruleKey, check.rule, id);
  const path = `${(await env.repo()).prefix}${input.policy}.yaml`;
  const mode = ((await Deno.stat(current.path)).mode ?? 0) & 0o111 ? "100755" : "100644";
  const meta: ProposalMeta = {
    id,
    policy: input.policy,
    ...(input.sandbox === undefined ? {} : { sandbox: input.sandbox }),
    ...(input.workdir === undefined ? {} : { workdir: input.workdir }),
    ruleKey,
    // Every binary, as the summary names them: the first alone under-read a broad glob.
    binary: reviewedBinaries(check.rule),
    created: env.now().toISOString(),
    summary: summarizeRule(input.policy, check.rule),
    findings: check.findings,
    rationale: input.rationale,
    path,
  };
  return { meta, text: formatProposalPatch(meta, buildFileDiff(path, current.text, after, mode)) };
}

/** The seal of a drafted patch: its rule's and text's hashes, its findings and listing. */
export function sealOf(
  meta: ProposalMeta,
  rule: NetworkRule,
  text: string,
  listing: SealListing,
): ProposalSeal {
  const { id, policy, sandbox, ruleKey, findings } = meta;
  return {
    id,
    policy,
    ...(sandbox === undefined ? {} : { sandbox }),
    ruleKey,
    ruleHash: ruleHash(rule),
    findings,
    patchHashes: [textHash(text)],
    listing,
  };
}
