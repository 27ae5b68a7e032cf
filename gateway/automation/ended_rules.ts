/**
 * Which scoped rules have ended, and the policy text without them (pure). A rule ends when its
 * lease or once backstop expired, when a proxy used its one request, when the sandbox of its
 * session exited, or when a reviewer revoked it. Only rules with a lease comment ever end
 * here: a durable rule is removed by a person's own edit, never by these paths.
 *
 * @module
 */

import { parse } from "yaml";
import type { RuleLease } from "../../proxy/policy/mod.ts";
import { type LoadedPolicy, loadPolicyText } from "../../proxy/policy/mod.ts";
import { setRevisionText } from "../repo/mod.ts";
import { removeRuleText } from "./lease_text.ts";

/** Why a rule was removed: the `Removed-By` trailer of its commit. */
export type RemovedBy = "expiry" | "once" | "session-ended" | "revoked";

/** What ended. */
export type RuleEnd =
  /** Every once or lease rule whose expiry has passed (the timer and the start-up sweep). */
  | { kind: "expired" }
  /**
   * A once rule a proxy used; `expiresAt` tells this grant from a later one of the same key, and
   * `sandbox` (the reporting proxy's, when it reports over a credential) must be the one the
   * rule was granted to, when it names one.
   */
  | { kind: "once"; policy: string; ruleKey: string; expiresAt?: number; sandbox?: string }
  /** Every session rule of a sandbox that exited. */
  | { kind: "session"; sandbox: string }
  /** A reviewer revoked a scoped rule (of `policy`, or of the only policy that has it). */
  | { kind: "revoke"; ruleKey: string; policy?: string; by: string };

/** The reason an end gives, as its commit's `Removed-By`. */
export function removedBy(end: RuleEnd): RemovedBy {
  if (end.kind === "expired") return "expiry";
  if (end.kind === "session") return "session-ended";
  return end.kind === "once" ? "once" : "revoked";
}

/**
 * The rule keys of one policy that `end` removes at `now`, given its leases.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endedKeys } from "./ended_rules.ts";
 * const leases = new Map([["a", { scope: "lease" as const, expiresAt: 5 }]]);
 * assert.equal(endedKeys("team", leases, { kind: "expired" }, 5).join(), "a");
 * assert.equal(endedKeys("team", leases, { kind: "expired" }, 4).length, 0);
 * ```
 */
export function endedKeys(
  policy: string,
  leases: ReadonlyMap<string, RuleLease>,
  end: RuleEnd,
  now: number,
): string[] {
  const keys: string[] = [];
  for (const [key, lease] of leases) {
    if (ends(policy, key, lease, end, now)) keys.push(key);
  }
  return keys.sort();
}

function ends(policy: string, key: string, lease: RuleLease, end: RuleEnd, now: number): boolean {
  switch (end.kind) {
    case "expired":
      return lease.expiresAt !== undefined && lease.expiresAt <= now;
    case "once":
      // A later once grant under the same key is not the one that was used.
      return end.policy === policy && end.ruleKey === key && lease.scope === "once" &&
        (end.expiresAt === undefined || end.expiresAt === lease.expiresAt) &&
        (end.sandbox === undefined || lease.sandbox === undefined || end.sandbox === lease.sandbox);
    case "session":
      return lease.scope === "session" && lease.sandbox === end.sandbox;
    case "revoke":
      return (end.policy === undefined || end.policy === policy) && end.ruleKey === key;
  }
}

/**
 * The policy text without rules `keys` (and their Tollgate comments), the revision bumped,
 * validated; it must differ from `text` by exactly those rules.
 *
 * @throws {Error} when a key's lines cannot be found, the result does not validate, or more
 *   than those rules would change
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textWithout } from "./ended_rules.ts";
 * const text = "version: 1\nnetwork_policies:\n  # tollgate lease scope=session sandbox=s\n  a:\n    endpoints: [{ host: h.example.com, port: 443 }]\n";
 * assert(!textWithout(text, ["a"], "team").text.includes("a:"));
 * ```
 */
export function textWithout(
  text: string,
  keys: readonly string[],
  name: string,
): { text: string; loaded: LoadedPolicy } {
  const before = loadPolicyText(text, `${name}.yaml`);
  let out = text;
  for (const key of keys) {
    const next = removeRuleText(out, key);
    if (next === undefined) {
      throw new Error(`Cannot remove rule "${key}": its key line is not found`);
    }
    out = next;
  }
  out = setRevisionText(out, before.policy.revision + 1);
  const loaded = loadPolicyText(out, `${name}.yaml`);
  assertOnlyRemoved(text, out, keys);
  return { text: out, loaded };
}

/** Everything but the removed rules (and the revision) must stay as it was. */
function assertOnlyRemoved(before: string, after: string, keys: readonly string[]): void {
  const a = parse(before) as Record<string, unknown>;
  const b = parse(after) as Record<string, unknown>;
  const rulesA = { ...(a.network_policies ?? {}) } as Record<string, unknown>;
  for (const key of keys) delete rulesA[key];
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  // The revision may move from a key to Tollgate's comment: neither counts as a change.
  const rest = (doc: Record<string, unknown>) => {
    const { network_policies: _, revision: __, ...others } = doc;
    return Object.fromEntries(Object.entries(others).sort(([x], [y]) => x < y ? -1 : 1));
  };
  if (!same(rulesA, b.network_policies ?? {}) || !same(rest(a), rest(b))) {
    throw new Error(`Removing ${keys.join(", ")} would change more than those rules`);
  }
}

/**
 * The commit subject of a removal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removalSubject } from "./ended_rules.ts";
 * assert.equal(removalSubject("team", ["a"], { kind: "expired" }), "policy(team): remove a (lease expired)");
 * ```
 */
export function removalSubject(policy: string, keys: readonly string[], end: RuleEnd): string {
  const why = end.kind === "expired"
    ? "lease expired"
    : end.kind === "once"
    ? "used once"
    : end.kind === "session"
    ? `session ${end.sandbox} ended`
    : `revoked by ${end.by}`;
  return `policy(${policy}): remove ${keys.join(", ")} (${why})`;
}
