/**
 * Rule scopes kept in the policy file itself: a Tollgate-owned comment line directly above a
 * rule's key (`# tollgate lease scope=lease expires=2026-05-01T10:00:00Z`). OpenShell ignores
 * comments, so the file still loads there (as a durable rule); Tollgate compiles the scope into
 * the rule's grants and `decide()` stops allowing them at the expiry instant it is told.
 *
 * @module
 */

/** How long an approved rule lives. `durable` rules carry no lease comment. */
export type RuleScope = "once" | "lease" | "session" | "durable";

/** The lease of one rule, as its comment states it. */
export interface RuleLease {
  /** `once` (one request), `lease` (until `expiresAt`) or `session` (one sandbox). */
  scope: Exclude<RuleScope, "durable">;
  /** Epoch ms from which the rule allows nothing (0 for an unreadable lease comment). */
  expiresAt?: number;
  /** For `session` (and `once` when a sandbox proposed it): the only sandbox id it serves. */
  sandbox?: string;
  /** The proposal that created the rule, when known. */
  proposal?: string;
}

/** The start of every lease comment. */
export const LEASE_COMMENT = "# tollgate lease";

const SANDBOX_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const PROPOSAL_ID = /^[A-Za-z0-9_.-]{1,80}$/;

/**
 * The comment line (without indentation) that states `lease`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leaseComment } from "./rule_leases.ts";
 * const line = leaseComment({ scope: "lease", expiresAt: Date.UTC(2030, 0, 1) });
 * assert.equal(line, "# tollgate lease scope=lease expires=2030-01-01T00:00:00.000Z");
 * ```
 */
export function leaseComment(lease: RuleLease): string {
  const parts = [LEASE_COMMENT, `scope=${lease.scope}`];
  if (lease.expiresAt !== undefined) {
    parts.push(`expires=${new Date(lease.expiresAt).toISOString()}`);
  }
  if (lease.sandbox !== undefined) parts.push(`sandbox=${lease.sandbox}`);
  if (lease.proposal !== undefined) parts.push(`proposal=${lease.proposal}`);
  return parts.join(" ");
}

/**
 * Parse the fields of a lease comment. A comment Tollgate cannot read fails closed: the rule
 * is treated as already expired (`expiresAt: 0`), never as durable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLeaseComment } from "./rule_leases.ts";
 * const lease = parseLeaseComment("scope=session sandbox=sb-1");
 * assert(lease.scope === "session" && lease.sandbox === "sb-1");
 * assert.equal(parseLeaseComment("scope=forever").expiresAt, 0);
 * ```
 */
export function parseLeaseComment(fields: string): RuleLease {
  const map = new Map<string, string>();
  for (const part of fields.trim().split(/\s+/)) {
    const eq = part.indexOf("=");
    if (eq <= 0 || map.has(part.slice(0, eq))) return expired();
    map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const scope = map.get("scope");
  if (scope !== "once" && scope !== "lease" && scope !== "session") return expired();
  const lease: RuleLease = { scope };
  const expires = map.get("expires");
  if (expires !== undefined) {
    const at = Date.parse(expires);
    if (!Number.isFinite(at) || !/^\d{4}-\d\d-\d\dT/.test(expires)) return expired(scope);
    lease.expiresAt = at;
  }
  const sandbox = map.get("sandbox");
  if (sandbox !== undefined) {
    if (!SANDBOX_ID.test(sandbox)) return expired(scope);
    lease.sandbox = sandbox;
  }
  const proposal = map.get("proposal");
  if (proposal !== undefined && PROPOSAL_ID.test(proposal)) lease.proposal = proposal;
  // A lease or once rule must end; a session rule must name its sandbox.
  if (scope !== "session" && lease.expiresAt === undefined) return expired(scope);
  if (scope === "session" && lease.sandbox === undefined) return expired(scope);
  for (const key of map.keys()) {
    if (!["scope", "expires", "sandbox", "proposal"].includes(key)) return expired(scope);
  }
  return lease;
}

function expired(scope: RuleLease["scope"] = "lease"): RuleLease {
  return { scope, expiresAt: 0 };
}

const LEASE_LINE = /^([ \t]*)# tollgate lease(?:[ \t]+(.*))?$/;

/**
 * Rule key → lease, for every lease comment of a policy text. A lease comment applies to the
 * rule key on the next non-blank, non-comment line at the same indentation; one that names no
 * rule is ignored (it grants nothing either way).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRuleLeases } from "./rule_leases.ts";
 * const text = "network_policies:\n  # tollgate lease scope=once expires=2030-01-01T00:00:00Z\n  gh:\n";
 * assert.equal(parseRuleLeases(text).get("gh")?.scope, "once");
 * ```
 */
export function parseRuleLeases(text: string): Map<string, RuleLease> {
  const leases = new Map<string, RuleLease>();
  if (!text.includes(LEASE_COMMENT)) return leases;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const m = LEASE_LINE.exec(line);
    if (!m) return;
    const key = keyBelow(lines, i + 1, m[1]!);
    if (key !== undefined) leases.set(key, parseLeaseComment(m[2] ?? ""));
  });
  return leases;
}

function keyBelow(lines: string[], from: number, indent: string): string | undefined {
  for (let j = from; j < lines.length; j++) {
    const line = lines[j]!;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (!line.startsWith(indent) || /^[ \t]/.test(line.slice(indent.length))) return undefined;
    const m = /^(?:"([^"]+)"|'([^']+)'|([^\s#:'"][^:#]*?))[ \t]*:(?:[ \t]|$)/.exec(
      line.slice(indent.length),
    );
    return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
  }
  return undefined;
}

/**
 * True when a leased rule may still allow at `now` for `sandbox`: before its expiry (an
 * unknown `now` counts as after it), for its own sandbox only when the lease names one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leaseLive } from "./rule_leases.ts";
 * assert(leaseLive({ scope: "lease", expiresAt: 10 }, { now: 9 }));
 * assert(!leaseLive({ scope: "lease", expiresAt: 10 }, { now: 10 }));
 * ```
 */
export function leaseLive(lease: RuleLease, at: { now?: number; sandbox?: string }): boolean {
  if (lease.expiresAt !== undefined && !(at.now !== undefined && at.now < lease.expiresAt)) {
    return false;
  }
  // A session rule names its sandbox always (else it parsed as expired); a once rule when a
  // sandbox proposed it.
  return lease.sandbox === undefined || lease.sandbox === at.sandbox;
}

/**
 * `text` without the rules that serve another sandbox only (a session rule, or a once rule a
 * sandbox proposed, whose lease comment names a sandbox other than `sandbox`): their comment,
 * key and body lines. What a sandbox is shown as its policy: another sandbox's grant, its id and
 * its proposal's id are that sandbox's, as its proposals are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withoutOthersRules } from "./rule_leases.ts";
 * const text = "network_policies:\n  # tollgate lease scope=session sandbox=sb-2\n  b:\n    x: 1\n  c:\n";
 * assert.equal(withoutOthersRules(text, "sb-1"), "network_policies:\n  c:\n");
 * assert.equal(withoutOthersRules(text, "sb-2"), text);
 * ```
 */
export function withoutOthersRules(text: string, sandbox: string | undefined): string {
  if (!text.includes(LEASE_COMMENT)) return text;
  const lines = text.split("\n");
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = LEASE_LINE.exec(lines[i]!.replace(/\r$/, ""));
    const owner = m && keyBelow(lines, i + 1, m[1]!) !== undefined
      ? parseLeaseComment(m[2] ?? "").sandbox
      : undefined;
    if (owner === undefined || owner === sandbox) {
      kept.push(lines[i]!);
      continue;
    }
    i = blockEnd(lines, i + 1, m![1]!.length) - 1;
  }
  return kept.join("\n");
}

/** The index after the rule whose key is the first line at `indent` from `from` on. */
function blockEnd(lines: string[], from: number, indent: number): number {
  let i = from;
  // Up to the key: blank lines and comments.
  while (i < lines.length && (lines[i]!.trim() === "" || lines[i]!.trimStart().startsWith("#"))) {
    i++;
  }
  let end = ++i;
  // The key's body: every line indented deeper (blank lines inside it included).
  for (; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() === "") continue;
    if (line.length - line.trimStart().length <= indent) break;
    end = i + 1;
  }
  return end;
}
