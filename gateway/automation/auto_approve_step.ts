/**
 * The auto-approval step after a submit: read the patterns and the ceiling, compute the
 * delta, and approve as `auto (<pattern>)` when everything fits; otherwise the proposal waits
 * for a person, as it would without automation.
 *
 * @module
 */

import type { ProposalStatus, SubmitResult } from "../../proxy/policy_local/mod.ts";
import { authorityDelta, firstOutside } from "../authority/mod.ts";
import { readPolicyFile } from "../policy_files.ts";
import type { StoreEnv } from "../store_env.ts";
import { autoScope, matchAutoPattern, readAutoPatterns } from "./auto_approve.ts";
import type { ApproveOptions } from "./scoped_approval.ts";

/**
 * Approve a just-accepted pending proposal without a person when a pattern allows it; the
 * result then reports the approved state. Auto-approval needs an org ceiling: without one
 * (or with an unreadable one, or unreadable patterns) every proposal waits for a person.
 *
 * @example
 * ```ts ignore
 * const result = await autoApproveSubmitted(env, await submitProposal(env, input), approve);
 * ```
 */
export async function autoApproveSubmitted(
  env: StoreEnv,
  result: SubmitResult,
  approve: (id: string, options: ApproveOptions) => Promise<unknown>,
  status: (id: string) => Promise<ProposalStatus | undefined>,
): Promise<SubmitResult> {
  if (!result.accepted || result.proposal.status !== "pending") return result;
  const { proposal } = result;
  const patterns = await readAutoPatterns(env.policiesDir).catch(() => []);
  if (patterns.length === 0) return result;
  const ceiling = await env.ceiling?.();
  if (ceiling === undefined || "error" in ceiling) return result;
  const current = await readPolicyFile(env.policiesDir, proposal.policy).catch(() => undefined);
  if (!current) return result;
  const { added } = authorityDelta(current.loaded.compiled, proposal.rule);
  if (firstOutside(ceiling.compiled, added)) return result;
  const pattern = matchAutoPattern(patterns, added, proposal.findings);
  if (!pattern) return result;
  try {
    await approve(proposal.id, {
      approvedBy: `auto (${pattern.name})`,
      scope: autoScope(pattern),
      auto: pattern.name,
    });
  } catch {
    // A conflict (the policy moved, a check now warns) leaves it for a person.
    return result;
  }
  const decided = await status(proposal.id);
  return decided ? { accepted: true, proposal: decided } : result;
}
