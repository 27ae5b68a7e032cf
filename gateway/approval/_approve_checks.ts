/**
 * The checks an approval makes before it writes anything: the rule still passes the checks,
 * no finding appeared that the reviewer was not shown (per the seal), and applying the diff
 * adds exactly the reviewed rule.
 *
 * @module
 */

import type { LoadedPolicy } from "../../proxy/policy/mod.ts";
import { validateProposedRule } from "../proposals/mod.ts";
import { checkProposedRule } from "../proposals/mod.ts";
import { ProposalConflictError } from "../proposals/mod.ts";
import type { PolicyFile } from "../repo/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import { type ProposalSeal, ruleHash } from "../proposals/mod.ts";
import type { CeilingView } from "../authority/mod.ts";

/** The approval's conflict error for proposal `id`. */
export function conflict(id: string, why: string): ProposalConflictError {
  return new ProposalConflictError(`Cannot approve proposal "${id}": ${why}`);
}

/** What the checks need: the record, the current policy and the seal. */
export interface ApprovalFacts {
  record: ProposalRecord;
  current: PolicyFile;
  seal: ProposalSeal;
  /** The org ceiling at approval time, when there is one. */
  ceiling?: CeilingView;
}

/**
 * Refuse (with a `ProposalConflictError`) an approval the checks, the reviewed findings or the
 * resulting policy (`after`, loaded once from the bumped text) no longer allow.
 */
export function validateStep(
  { record, current, seal, ceiling }: ApprovalFacts,
  after: LoadedPolicy,
  key: string = record.meta.ruleKey,
): void {
  // The ceiling binds every reviewer: an approval that would leave it is refused.
  const check = checkProposedRule(record.rule, current.loaded, {
    ceiling,
    workdir: record.meta.workdir,
  });
  const refused = check.findings.find((f) => f.severity === "refuse");
  if (refused) {
    throw conflict(record.id, `the checks now refuse it (${refused.code}: ${refused.message})`);
  }
  // What the reviewer was shown comes from the seal, not from the editable patch.
  const reviewed = new Set(seal.findings.map((f) => f.code));
  const fresh = check.findings.find((f) => f.severity === "warn" && !reviewed.has(f.code));
  if (fresh) {
    throw conflict(
      record.id,
      `a new check finding appeared since the review (${fresh.code}); run ` +
        `"tollgate proposals refresh ${record.id}" and review it again`,
    );
  }
  assertOnlyAdds(record, current.loaded, after, key);
}

/**
 * The approval must add exactly the reviewed rule and change nothing else but the revision.
 * Compared on the validated models (which hold every key a policy may have), so the new text
 * is parsed once, by the load that also compiles it.
 */
function assertOnlyAdds(
  record: ProposalRecord,
  before: LoadedPolicy,
  after: LoadedPolicy,
  key: string,
): void {
  const { network_policies: rulesA, revision: _a, ...restA } = before.policy;
  const { network_policies: rulesB, revision: _b, ...restB } = after.policy;
  const same = sameJson;
  const keysA = Object.keys(rulesA);
  const reviewed = validateProposedRule(record.rule).rule;
  // Own keys only: `constructor` is in every object, and a rule key like any other.
  const ok = !Object.hasOwn(rulesA, key) && Object.hasOwn(rulesB, key) && reviewed !== undefined &&
    Object.keys(rulesB).length === keysA.length + 1 &&
    keysA.every((k) => same(rulesA[k], rulesB[k])) &&
    ruleHash(rulesB[key]) === ruleHash(reviewed) &&
    same(restA, restB);
  if (!ok) {
    throw conflict(
      record.id,
      `applying it would change more than adding rule "${key}"; run ` +
        `"tollgate proposals refresh ${record.id}" and review it again`,
    );
  }
}

/**
 * True when `x` and `y` have the same JSON text, compared without writing it: 20,000 rule
 * texts written only to be compared and thrown away were 25-35 ms of an approval into 10,000
 * rules, and their garbage more. Keys count in order, and keys holding undefined are skipped,
 * as `JSON.stringify` writes them.
 */
export function sameJson(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJson(x[i], y[i])) return false;
    return true;
  }
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i]!;
    if (key !== keysB[i] || !sameJson(a[key], b[key])) return false;
  }
  return true;
}
