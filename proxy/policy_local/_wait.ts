/**
 * `/v1/proposals/:id/wait`: wait for the decision, then for this proxy to enforce it.
 *
 * @module
 */

import {
  leaseLive,
  type NetworkRule,
  parseRuleLeases,
  policyCoversRule,
  policyHash,
} from "../policy/mod.ts";
import type { PolicySnapshot, PolicyView } from "./policy_local_deps.ts";
import type { ProposalSink, ProposalStatus } from "./proposal_sink.ts";
import { POLICY_LOCAL_LIMITS } from "./limits.ts";

/** Outcome of a wait: the last known state and what the proxy knows of it. */
export interface WaitOutcome {
  state: ProposalStatus;
  timedOut: boolean;
  reloaded?: boolean;
}

/**
 * Wait until the proposal is decided or `timeoutMs` passes; after an approval, wait (at
 * least the reload floor) until the live policy covers the rule. Undefined for an unknown id.
 */
export async function waitForProposal(
  sink: ProposalSink,
  policy: PolicyView,
  request: { id: string; timeoutMs: number; signal: AbortSignal; sandbox?: string },
): Promise<WaitOutcome | undefined> {
  const deadline = Date.now() + request.timeoutMs;
  let state = await sink.status(request.id);
  if (state === undefined) return undefined;
  if (state.status === "pending") {
    state = await waitDecided(sink, request.id, deadline, request.signal);
    if (state === undefined) return undefined;
    if (state.status === "pending") return { state, timedOut: true };
  }
  if (state.status !== "approved") return { state, timedOut: false };
  const budget = Math.max(deadline - Date.now(), POLICY_LOCAL_LIMITS.reloadWaitFloorMs);
  const reloaded = await waitCovered(policy, state, budget, request);
  return { state, timedOut: false, reloaded };
}

/** The approved rule and the key it was written under. */
export type ApprovedRule = Pick<ProposalStatus, "rule" | "ruleName">;

/**
 * True when the live policy enforces the approved rule: it holds the rule under its key as
 * approved (and its lease, if any, is live now for this sandbox), or already grants all of it.
 */
export function isCovered(policy: PolicyView, approved: ApprovedRule, sandbox?: string): boolean {
  // A leased rule is live only before its expiry: ask at this instant.
  const at = { now: Date.now(), sandbox };
  const snapshot = policy.current();
  // Holding the rule is the answer even where coverage says no: a host pattern for a binary
  // that another rule inspects on one of its hosts is never "already covered" as a whole
  // (policyCoversRule), so an honest agent waited for a reload that had already happened.
  return holdsRule(snapshot, approved, at) ||
    policyCoversRule(snapshot.compiled, approved.rule, at);
}

function holdsRule(
  snapshot: PolicySnapshot,
  { rule, ruleName }: ApprovedRule,
  at: { now: number; sandbox?: string },
): boolean {
  const live = snapshot.compiled.policy.network_policies;
  if (!Object.hasOwn(live, ruleName)) return false;
  if (ruleDigest(live[ruleName]!) !== ruleDigest(rule)) return false;
  const lease = parseRuleLeases(snapshot.text).get(ruleName);
  return lease === undefined || leaseLive(lease, at);
}

function ruleDigest(rule: NetworkRule): string {
  return policyHash({ version: 1, revision: 0, network_policies: { rule } });
}

async function waitDecided(
  sink: ProposalSink,
  id: string,
  deadline: number,
  signal: AbortSignal,
): Promise<ProposalStatus | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
  const onAbort = () => controller.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await sink.wait(id, controller.signal);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

// Event-driven, not polled: re-check coverage whenever the policy view publishes a change.
function waitCovered(
  policy: PolicyView,
  rule: ApprovedRule,
  budgetMs: number,
  { signal, sandbox }: { signal: AbortSignal; sandbox?: string },
): Promise<boolean> {
  if (isCovered(policy, rule, sandbox)) return Promise.resolve(true);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    let done = false;
    let unsubscribe = () => {};
    const finish = (covered: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
      resolve(covered);
    };
    const check = () => {
      try {
        if (isCovered(policy, rule, sandbox)) finish(true);
      } catch {
        // A half-published policy is not coverage; the next publish or the deadline decides.
      }
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(safeCovered(policy, rule, sandbox)), budgetMs);
    signal.addEventListener("abort", onAbort, { once: true });
    unsubscribe = policy.subscribe(check);
    if (done) unsubscribe();
    else check(); // a reload may have landed between the first check and subscribing
  });
}

function safeCovered(policy: PolicyView, rule: ApprovedRule, sandbox?: string): boolean {
  try {
    return isCovered(policy, rule, sandbox);
  } catch {
    return false;
  }
}
