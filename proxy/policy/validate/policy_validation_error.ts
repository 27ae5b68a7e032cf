/**
 * The error a policy load throws, carrying every issue, and the one-line rendering of an
 * issue (`FILE:LINE:COL: message`, as compilers print).
 *
 * @module
 */

import type { PolicyIssue } from "../model/mod.ts";

/**
 * Render an issue as `FILE:LINE:COL: message`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIssue } from "./policy_validation_error.ts";
 * const line = formatIssue({ file: "p.yaml", line: 3, col: 7, message: "Unknown key \"x\"" });
 * assert.equal(line, 'p.yaml:3:7: Unknown key "x"');
 * ```
 */
export function formatIssue(issue: PolicyIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/**
 * A policy failed to load or validate. `issues` holds every problem found; the message is
 * the first one, plus a count of the others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyValidationError } from "./policy_validation_error.ts";
 * const e = new PolicyValidationError([{ file: "p.yaml", line: 1, col: 1, message: "Bad" }]);
 * assert.equal(e.message, "p.yaml:1:1: Bad");
 * ```
 */
export class PolicyValidationError extends Error {
  /** Always `PolicyValidationError`. */
  override name = "PolicyValidationError";
  /** Every problem found, in file order. */
  readonly issues: PolicyIssue[];

  /** Build the error from every issue found (at least one). */
  constructor(issues: PolicyIssue[]) {
    const first = issues[0] ? formatIssue(issues[0]) : "Invalid policy";
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    super(first + more);
    this.issues = issues;
  }
}
