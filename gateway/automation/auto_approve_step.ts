/**
 * The auto-approval step after a submit: read the patterns and the ceiling, compute the
 * delta, and approve as `auto (<pattern>)` when everything fits; otherwise the proposal waits
 * for a person, as it would without automation.
 *
 * @module
 */

import type { ProposalStatus, SubmitResult } from "../../proxy/policy_local/mod.ts";
import { authorityDelta, firstOutside } from "../authority/mod.ts";
import { readPolicyFile } from "../repo/mod.ts";
import {
  AUTO_APPROVALS_PER_HOUR,
  recentAutoApprovals,
  RejectedRules,
  type StoreEnv,
} from "../proposals/mod.ts";
import { autoScope, matchAutoPattern, readAutoPatterns } from "./auto_approve.ts";
import { RevokedProposals } from "./_revoked_proposals.ts";
import type { ApproveOptions } from "./scoped_approval.ts";

/** What the auto-approval step acts through. */
export interface AutoApproveHooks {
  /** Approve (never through `publish` again: the step already runs inside it). */
  approve: (id: string, options: ApproveOptions) => Promise<unknown>;
  /** The proposal's state after the step. */
  status: (id: string) => Promise<ProposalStatus | undefined>;
  /**
   * Run the deciding part of the step (a remote-backed store: on the remote's tip, pushed
   * before it returns; a throw means refused and undone). Absent: run it here, once.
   */
  publish?: (id: string, step: () => Promise<boolean>) => Promise<boolean>;
}

/**
 * Approve a just-accepted pending proposal without a person when a pattern allows it; the
 * result then reports the approved state. Auto-approval needs an org ceiling: without one
 * (or with an unreadable one, or unreadable patterns) every proposal waits for a person.
 * With `hooks.publish` the files seen here only pre-select: the patterns, the ceiling and the
 * policy are read again inside `publish` (the remote's tip), and only that decides.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { autoApproveSubmitted } from "./auto_approve_step.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const env = {
 *   policiesDir: dir,
 *   now: () => new Date(),
 *   emit: () => {},
 *   notify: () => {},
 *   repo: () => Promise.resolve({ prefix: "" }), // not in Git: nothing is committed
 *   beforeStep: () => Promise.resolve(),
 *   policies: new PolicyCache(),
 * };
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await submitProposal(env, { policy: "team", ruleName: "gh", rule, rationale: "r" });
 * let approvals = 0;
 * const result = await autoApproveSubmitted(env, submitted, {
 *   approve: () => Promise.resolve(approvals++),
 *   status: () => Promise.resolve(undefined),
 * });
 * // No org ceiling (and no auto_approve.yaml) in the directory: a person decides.
 * assert.equal(approvals, 0);
 * assert(result.accepted && result.proposal.status === "pending");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function autoApproveSubmitted(
  env: StoreEnv,
  result: SubmitResult,
  hooks: AutoApproveHooks,
): Promise<SubmitResult> {
  if (!result.accepted || result.proposal.status !== "pending") return result;
  const id = result.proposal.id;
  const step = async (): Promise<boolean> => {
    const options = await autoApproval(env, result.proposal);
    if (!options) return false;
    try {
      await hooks.approve(id, options);
      return true;
    } catch {
      // A conflict (the policy moved, a check now warns) leaves it for a person.
      return false;
    }
  };
  let approved: boolean;
  if (!hooks.publish) approved = await step();
  else if (!(await autoApproval(env, result.proposal))) approved = false;
  // Refused (the remote unreachable, the branch kept moving): undone, a person decides.
  else approved = await hooks.publish(id, step).catch(() => false);
  if (!approved) return result;
  const decided = await hooks.status(id);
  return decided ? { accepted: true, proposal: decided } : result;
}

// One reader of the rejected patches per store (its env), so each patch is read once, and of
// the revocations, so the history is read once per HEAD.
const REJECTED = new WeakMap<StoreEnv, RejectedRules>();
const REVOKED = new WeakMap<StoreEnv, RevokedProposals>();

function rejectedRules(env: StoreEnv): RejectedRules {
  let rules = REJECTED.get(env);
  if (!rules) REJECTED.set(env, rules = new RejectedRules());
  return rules;
}

function revokedProposals(env: StoreEnv): RevokedProposals {
  let revoked = REVOKED.get(env);
  if (!revoked) REVOKED.set(env, revoked = new RevokedProposals());
  return revoked;
}

/** How the pending `proposal` is approved without a person, or undefined (a person decides). */
async function autoApproval(
  env: StoreEnv,
  proposal: ProposalStatus,
): Promise<ApproveOptions | undefined> {
  const now = env.now().getTime();
  const patterns = await readAutoPatterns(env.policiesDir).catch(() => []);
  if (patterns.length === 0) return undefined;
  const ceiling = await env.ceiling?.();
  if (ceiling === undefined || "error" in ceiling) return undefined;
  const current = await readPolicyFile(env.policiesDir, proposal.policy).catch(() => undefined);
  if (!current) return undefined;
  const { added } = authorityDelta(current.loaded.compiled, proposal.rule);
  if (firstOutside(ceiling.compiled, added)) return undefined;
  const pattern = matchAutoPattern(patterns, added, proposal.findings);
  if (!pattern) return undefined;
  // What live scoped rules (a lease not ended yet) already grant: approving it again would add
  // only a duplicate, over and over (a lease never counts as cover for the checks above).
  const at = { now, sandbox: proposal.sandbox };
  if (authorityDelta(current.loaded.compiled, proposal.rule, at).added.length === 0) {
    return undefined;
  }
  // Each one is a rule, a commit and a reload for every proxy of the policy: a sandbox looping
  // fitting proposals grew the policy without bound. Past the hour's count, a person decides
  // (counted again inside the approval's lock, which decides; this only saves a publication).
  // Counted before the history is read below, so a sandbox past its cap costs no `git log`.
  const count = await recentAutoApprovals(env.policiesDir, proposal, now, env.autoApprovals);
  if (count >= AUTO_APPROVALS_PER_HOUR) {
    return undefined;
  }
  // A person said no to this rule (rejected it, or revoked it): the automation never overrides
  // that (a rule rejected while the hourly cap held it was approved an hour later, resubmitted;
  // a revoked one at the next submit).
  const revoked = await revokedProposals(env).ids(env.policiesDir);
  // A history git could not read (a timeout, a broken repository) may hold a revocation: the
  // automation does not guess that it does not.
  if (revoked === undefined) return undefined;
  const said = rejectedRules(env);
  if (await said.has(env.policiesDir, proposal.policy, proposal.rule, revoked)) return undefined;
  return { approvedBy: `auto (${pattern.name})`, scope: autoScope(pattern), auto: pattern.name };
}
