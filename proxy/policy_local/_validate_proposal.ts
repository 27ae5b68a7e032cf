/**
 * Field-level validation of a proposal body. Everything is checked before anything is
 * submitted, so one bad operation means nothing is stored.
 *
 * @module
 */

import { type NetworkRule, validateNetworkRule } from "../policy/mod.ts";
import { PolicyLocalError } from "./_errors.ts";
import { POLICY_LOCAL_LIMITS } from "./limits.ts";

/** One accepted `addRule`. */
export interface ValidOperation {
  ruleName: string;
  rule: NetworkRule;
}

/** A proposal that passed every check. */
export interface ValidProposal {
  intentSummary: string;
  operations: ValidOperation[];
}

const MAX_PROBLEMS = 5;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/**
 * Check a parsed proposal body; throws a 400 `invalid_proposal` naming the first bad field,
 * e.g. `operations[0].addRule.rule.endpoints[0].port: …`.
 */
export function validateProposal(raw: unknown): ValidProposal {
  if (!isObject(raw)) refuse("The proposal body must be a JSON object");
  const intentSummary = checkSummary(raw.intent_summary);
  const ops = raw.operations;
  if (!Array.isArray(ops)) {
    refuse('operations must be an array of {"addRule": {"ruleName", "rule"}} operations');
  }
  if (ops.length === 0) refuse("operations: proposal requires at least one operation");
  if (ops.length > POLICY_LOCAL_LIMITS.maxOperations) {
    refuse(
      `operations holds ${ops.length} operations; at most ` +
        `${POLICY_LOCAL_LIMITS.maxOperations} are accepted in one proposal`,
    );
  }
  const operations = ops.map((op, i) => checkOperation(op, `operations[${i}]`));
  const seen = new Set<string>();
  operations.forEach((op, i) => {
    if (seen.has(op.ruleName)) {
      refuse(`operations[${i}].addRule.ruleName "${op.ruleName}" is used twice in this proposal`);
    }
    seen.add(op.ruleName);
  });
  return { intentSummary, operations };
}

// Optional, as in OpenShell (`Option<String>`): a harness written for it may leave it out.
function checkSummary(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") {
    refuse("intent_summary must be a string: one or two sentences on what the task needs and why");
  }
  if (value.length > POLICY_LOCAL_LIMITS.maxIntentSummaryChars) {
    refuse(
      `intent_summary must be at most ${POLICY_LOCAL_LIMITS.maxIntentSummaryChars} characters`,
    );
  }
  return value;
}

function checkOperation(op: unknown, at: string): ValidOperation {
  if (!isObject(op)) refuse(`${at} must be an object like {"addRule": {"ruleName", "rule"}}`);
  const other = Object.keys(op).find((k) => k !== "addRule");
  if (other !== undefined || op.addRule === undefined) {
    // The key is agent text: echo it only when it looks like an operation name.
    const name = other !== undefined && OPERATION_NAME.test(other)
      ? `"${other}"`
      : "an unsupported operation";
    refuse(
      `${at}: only addRule operations are accepted (got ${name}); ` +
        "submit one complete, narrow rule per addRule",
    );
  }
  const add = op.addRule;
  if (!isObject(add)) refuse(`${at}.addRule must be an object with "ruleName" and "rule"`);
  if (!isObject(add.rule)) refuse(`${at}.addRule.rule must be an object (a complete rule)`);
  const ruleName = checkRuleName(
    givenName(add.ruleName) ?? givenName(add.rule.name),
    `${at}.addRule`,
  );
  rejectQueries(add.rule, `${at}.addRule.rule`);
  rejectMarker(add.rule, `${at}.addRule.rule`);
  const { rule, problems } = validateNetworkRule(add.rule);
  if (rule === undefined || problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS).map((p) =>
      `${at}.addRule.rule${p.path === "" ? "" : `.${p.path}`}: ${p.message}`
    );
    const more = problems.length > MAX_PROBLEMS
      ? ` (and ${problems.length - MAX_PROBLEMS} more)`
      : "";
    refuse(`${shown.join("; ") || `${at}.addRule.rule is not a valid rule`}${more}`);
  }
  return { ruleName, rule };
}

// As OpenShell's policy_chunk_from_add_rule: a name is trimmed, and a blank one is absent (so
// ruleName "" falls back to rule.name). Other types pass through to be refused.
function givenName(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function checkRuleName(value: unknown, at: string): string {
  if (value === undefined) refuse(`${at}.ruleName (or rule.name) is required`);
  if (typeof value !== "string" || !POLICY_LOCAL_LIMITS.ruleNamePattern.test(value)) {
    refuse(
      `${at}.ruleName must be 1 to 64 letters, digits, "_" or "-", ` +
        "starting with a letter or digit",
    );
  }
  return value;
}

// Checked before the rule validator runs, so the value (which may hold a token) is never
// echoed back by any message.
function rejectQueries(rule: Record<string, unknown>, at: string): void {
  const endpoints = Array.isArray(rule.endpoints) ? rule.endpoints : [];
  endpoints.forEach((ep, e) => {
    if (!isObject(ep)) return;
    const allows = Array.isArray(ep.rules) ? ep.rules : [];
    allows.forEach((r, k) => {
      if (isObject(r) && isObject(r.allow) && hasQuery(r.allow.path)) {
        refuse(
          `${at}.endpoints[${e}].rules[${k}].allow.path: ` +
            "L7 allow paths must not include query strings",
        );
      }
    });
    const denies = Array.isArray(ep.deny_rules) ? ep.deny_rules : [];
    denies.forEach((r, k) => {
      if (isObject(r) && hasQuery(r.path)) {
        refuse(
          `${at}.endpoints[${e}].deny_rules[${k}].path: ` +
            "L7 deny paths must not include query strings",
        );
      }
    });
  });
}

// The approval's marker comment names the proposal a rule came from; forged inside a rule it
// must never reach a policy file (the value is not echoed: it names where, not what).
function rejectMarker(value: unknown, at: string): void {
  if (typeof value === "string" && POLICY_LOCAL_LIMITS.reservedMarker.test(value)) {
    refuse(`${at}: must not contain "# tollgate proposal", the marker of an approved rule`);
  }
  if (Array.isArray(value)) value.forEach((v, i) => rejectMarker(v, `${at}[${i}]`));
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) rejectMarker(v, `${at}.${k}`);
  }
}

function hasQuery(path: unknown): boolean {
  return typeof path === "string" && path.includes("?");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function refuse(detail: string): never {
  throw new PolicyLocalError(400, "invalid_proposal", detail);
}
