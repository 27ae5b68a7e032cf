/**
 * What the rendering tests share: the decision (the 403 body, the OCSF event, /v1/denials, the
 * skill's examples), curl's PUT of one file on api.github.com denied at L7 under the
 * read-only policy `gh_ro`; and the `next_steps` every deny body carries.
 *
 * @module
 */

import type { Decision } from "../../proxy/policy/mod.ts";

/**
 * A fresh copy of the shared L7 denial (without `ruleMissing`), so that no test sees
 * another's changes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { l7Denial } from "./sample_decisions.ts";
 *
 * assert.equal(l7Denial().reason, "PUT /repos/o/r/contents/x.md not permitted by policy");
 * assert.notEqual(l7Denial(), l7Denial());
 * ```
 */
export function l7Denial(): Decision {
  return {
    verdict: "deny",
    layer: "l7",
    reason: "PUT /repos/o/r/contents/x.md not permitted by policy",
    policy: "gh_ro",
    host: "api.github.com",
    port: 443,
    binary: "/usr/bin/curl",
    method: "PUT",
    path: "/repos/o/r/contents/x.md",
  };
}

/**
 * The `next_steps` of every deny body, as the agent reads them, for the skill at `skillPath`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedNextSteps } from "./sample_decisions.ts";
 *
 * const steps = expectedNextSteps("/skills/policy_advisor.md");
 * assert.deepEqual(steps.map((s) => s.action), [
 *   "read_skill",
 *   "inspect_policy",
 *   "inspect_recent_denials",
 *   "submit_proposal",
 * ]);
 * ```
 */
export function expectedNextSteps(skillPath: string): Record<string, string>[] {
  return [
    { action: "read_skill", path: skillPath, url: "http://policy.local/v1/skill" },
    { action: "inspect_policy", method: "GET", url: "http://policy.local/v1/policy/current" },
    {
      action: "inspect_recent_denials",
      method: "GET",
      url: "http://policy.local/v1/denials?last=5",
    },
    {
      action: "submit_proposal",
      method: "POST",
      url: "http://policy.local/v1/proposals",
      body_type: "PolicyMergeOperation",
    },
  ];
}
