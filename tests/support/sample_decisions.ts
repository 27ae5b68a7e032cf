/**
 * The decision the rendering tests share (the 403 body, the OCSF event, /v1/denials, the
 * skill's examples): curl's PUT of one file on api.github.com, denied at L7 under the
 * read-only policy `gh_ro`.
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
