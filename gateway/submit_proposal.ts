/**
 * Submit: check a proposed rule against the current policy, and write an accepted proposal as
 * a patch file in `pending/`. Refused proposals are not stored; their reasons go back to the
 * agent.
 *
 * @module
 */

import type { Endpoint, NetworkRule } from "../proxy/policy/mod.ts";
import type { ProposalInput, SubmitResult } from "../proxy/policy_local/mod.ts";
import { configEvent } from "./_ocsf.ts";
import { writeFileAtomic } from "./atomic_file.ts";
import { isPolicyName, readPolicyFile } from "./policy_files.ts";
import { insertRuleText, ruleKeyFor } from "./policy_text_edit.ts";
import { checkProposedRule } from "./proposal_checks.ts";
import { ensureStateDirs, proposalFilePath } from "./proposal_files.ts";
import { newProposalId } from "./proposal_id.ts";
import { formatProposalPatch, type ProposalMeta } from "./proposal_patch.ts";
import { recordFromText, toProposalStatus } from "./proposal_record.ts";
import { buildFileDiff } from "./rule_diff.ts";
import type { StoreEnv } from "./store_env.ts";
import { visibleText } from "./untrusted_text.ts";

function portText(e: Endpoint): string {
  return (e.ports ?? (e.port === undefined ? [] : [e.port])).join(",");
}

function grantText(e: Endpoint): string {
  const target = `${e.host}:${portText(e)}`;
  if (e.protocol !== "rest") return target;
  if (e.access) return `${e.access} ${target}`;
  const allows = e.rules ?? [];
  const first = allows[0]?.allow;
  const more = allows.length > 1 ? ` (+${allows.length - 1} more)` : "";
  return first ? `${first.method} ${target} ${first.path}${more}` : target;
}

/**
 * The one-line summary (patch subject) of a rule for a policy.
 *
 * @example
 * ```ts
 * import { summarizeRule } from "./submit_proposal.ts";
 * const s = summarizeRule("team", { endpoints: [{ host: "h", port: 443 }], binaries: [{ path: "/b" }] });
 * console.assert(s === "policy(team): allow h:443 for /b");
 * ```
 */
export function summarizeRule(policy: string, rule: NetworkRule): string {
  const [first, ...rest] = rule.endpoints;
  const more = rest.length ? ` (+${rest.length} endpoint${rest.length > 1 ? "s" : ""})` : "";
  const binaries = rule.binaries.map((b) => b.path);
  const who = binaries.length > 1 ? `${binaries[0]} (+${binaries.length - 1})` : binaries[0];
  const text = `policy(${policy}): allow ${first ? grantText(first) : "-"}${more} for ${who}`;
  return visibleText(text, 200);
}

function inputProblem(input: ProposalInput): string | undefined {
  if (typeof input.ruleName !== "string" || input.ruleName.trim() === "") {
    return "addRule.ruleName or rule.name is required";
  }
  if (typeof input.rationale !== "string") return "rationale must be a string";
  return undefined;
}

/**
 * Check and store one proposal (the `ProposalSink.submit` of the store).
 *
 * @example
 * ```ts ignore
 * const result = await submitProposal(env, { policy: "team", ruleName: "gh", rule, rationale });
 * ```
 */
export async function submitProposal(env: StoreEnv, input: ProposalInput): Promise<SubmitResult> {
  const problem = inputProblem(input);
  if (problem) return { accepted: false, reasons: [problem] };
  const name = visibleText(String(input.policy), 80);
  let current;
  try {
    current = isPolicyName(input.policy)
      ? await readPolicyFile(env.policiesDir, input.policy)
      : undefined;
  } catch {
    return { accepted: false, reasons: [`Policy "${name}" does not validate on disk`] };
  }
  if (!current) return { accepted: false, reasons: [`Unknown policy "${name}"`] };
  const check = checkProposedRule(input.rule, current.loaded);
  if (check.refused || !check.rule) {
    const reasons = check.findings.filter((f) => f.severity === "refuse")
      .map((f) => `${f.code}: ${f.message}`);
    return { accepted: false, reasons };
  }
  const id = newProposalId(env.now());
  const ruleKey = ruleKeyFor(input.ruleName, Object.keys(current.loaded.policy.network_policies));
  const after = insertRuleText(current.text, ruleKey, check.rule, id);
  const { prefix } = await env.repo();
  const path = `${prefix}${input.policy}.yaml`;
  const mode = ((await Deno.stat(current.path)).mode ?? 0) & 0o111 ? "100755" : "100644";
  const diff = buildFileDiff(path, current.text, after, mode);
  const meta: ProposalMeta = {
    id,
    policy: input.policy,
    ruleKey,
    binary: check.rule.binaries[0]?.path,
    created: env.now().toISOString(),
    summary: summarizeRule(input.policy, check.rule),
    findings: check.findings,
    rationale: input.rationale,
    path,
  };
  const text = formatProposalPatch(meta, diff);
  await ensureStateDirs(env.policiesDir);
  const file = proposalFilePath(env.policiesDir, "pending", id);
  await writeFileAtomic(file, text);
  env.emit(configEvent("PROPOSED", `proposal ${id} ${meta.summary}`, {
    policy: input.policy,
    proposalId: id,
  }));
  env.notify({ kind: "proposal", id, state: "pending", policy: input.policy });
  return {
    accepted: true,
    proposal: toProposalStatus(recordFromText({ id, state: "pending", path: file }, text)),
  };
}
