/**
 * What a denied agent is told to do next: the `next_steps` of the 403 body, built from the
 * same route constants the policy.local app dispatches on, and the one-sentence guidance.
 *
 * @module
 */

import {
  NEXT_STEPS_DENIALS_LAST,
  policyLocalUrl,
  ROUTE_DENIALS,
  ROUTE_POLICY_CURRENT,
  ROUTE_PROPOSALS,
  ROUTE_SKILL,
} from "./routes.ts";

/** One entry of `next_steps`: an action and how to perform it. */
export interface NextStep {
  /** What to do. */
  action: "read_skill" | "inspect_policy" | "inspect_recent_denials" | "submit_proposal";
  /** HTTP method of the call to make. */
  method?: "GET" | "POST";
  /** File path of the skill inside the sandbox (`read_skill`); for L7, the denied path without query. */
  path?: string;
  /** policy.local URL of the step. */
  url: string;
  /** Shape of the body to send (`submit_proposal`). */
  body_type?: "PolicyMergeOperation";
}

/** One sentence telling an agent not to give up and not to work around the proxy. */
export const AGENT_GUIDANCE: string =
  "Tollgate's network policy blocked this request; if your task still needs it, read the " +
  "policy-advisor skill, propose the narrowest rule that covers it to " +
  `${policyLocalUrl(ROUTE_PROPOSALS)}, wait until the proposal reports ` +
  "`policy_reloaded: true`, and only then retry the original request.";

/**
 * The `next_steps` array of a deny body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denyNextSteps } from "./next_steps.ts";
 * assert.equal(denyNextSteps("/skill.md").length, 4);
 * ```
 */
export function denyNextSteps(skillPath: string): NextStep[] {
  return [
    { action: "read_skill", path: skillPath, url: policyLocalUrl(ROUTE_SKILL) },
    { action: "inspect_policy", method: "GET", url: policyLocalUrl(ROUTE_POLICY_CURRENT) },
    {
      action: "inspect_recent_denials",
      method: "GET",
      url: `${policyLocalUrl(ROUTE_DENIALS)}?last=${NEXT_STEPS_DENIALS_LAST}`,
    },
    {
      action: "submit_proposal",
      method: "POST",
      url: policyLocalUrl(ROUTE_PROPOSALS),
      body_type: "PolicyMergeOperation",
    },
  ];
}
