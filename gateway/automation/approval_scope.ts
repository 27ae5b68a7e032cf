/**
 * The scope an approval gives a rule: `once` (one request), `lease` (until an expiry),
 * `session` (until the proposing sandbox exits) or `durable` (no end).
 *
 * @module
 */

import type { RuleLease, RuleScope } from "../../proxy/policy/mod.ts";

/** How an approver scopes a rule. */
export interface ApprovalScope {
  /** The scope; `durable` adds no lease comment. */
  scope: RuleScope;
  /** For `lease` (and `once`'s backstop): how long from the approval, in ms. */
  forMs?: number;
}

/** A lease lasts this long unless told (and auto-approval's default). */
export const DEFAULT_LEASE_MS = 60 * 60 * 1000;
/**
 * A once rule not used within this long ends anyway: a proxy that never sees the request (or
 * a gateway that never hears of its use) must not leave it allowing forever.
 */
export const ONCE_BACKSTOP_MS = 15 * 60 * 1000;

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parse a duration such as `90s`, `30m`, `2h` or `7d` into ms.
 *
 * @throws {RangeError} for anything else, or a duration under a second or over 366 days
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./approval_scope.ts";
 * assert.equal(parseDuration("2h"), 7_200_000);
 * ```
 */
export function parseDuration(text: string): number {
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!(ms >= 1_000 && ms <= 366 * UNITS.d!)) {
    throw new RangeError(`Invalid duration "${text}": use a number and s, m, h or d (e.g. 2h)`);
  }
  return ms;
}

/**
 * Parse a scope name.
 *
 * @throws {RangeError} for an unknown scope
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseScope } from "./approval_scope.ts";
 * assert.equal(parseScope("once"), "once");
 * ```
 */
export function parseScope(text: string): RuleScope {
  if (text === "once" || text === "lease" || text === "session" || text === "durable") return text;
  throw new RangeError(`Invalid scope "${text}": use once, lease, session or durable`);
}

/**
 * The lease comment an approval writes, or undefined for a durable rule.
 *
 * @throws {RangeError} for a session scope without the proposing sandbox's id
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leaseFor } from "./approval_scope.ts";
 * const lease = leaseFor({ scope: "lease", forMs: 1000 }, { now: 0, proposal: "p-1" });
 * assert(lease?.expiresAt === 1000 && lease.proposal === "p-1");
 * ```
 */
export function leaseFor(
  scope: ApprovalScope | undefined,
  at: { now: number; proposal: string; sandbox?: string },
): RuleLease | undefined {
  if (scope === undefined || scope.scope === "durable") return undefined;
  const proposal = at.proposal;
  switch (scope.scope) {
    case "once": {
      // Its one request is the proposing sandbox's: another sandbox of the policy may not spend it.
      const expiresAt = at.now + (scope.forMs ?? ONCE_BACKSTOP_MS);
      const lease: RuleLease = { scope: "once", expiresAt, proposal };
      if (at.sandbox !== undefined) lease.sandbox = at.sandbox;
      return lease;
    }
    case "lease":
      return { scope: "lease", expiresAt: at.now + (scope.forMs ?? DEFAULT_LEASE_MS), proposal };
    case "session":
      if (at.sandbox === undefined) {
        throw new RangeError("A session scope needs the proposing sandbox, and none is recorded");
      }
      return { scope: "session", sandbox: at.sandbox, proposal };
  }
}

/**
 * The scope an approval asks for, from a scope name and a duration (`--scope`/`--for`, or the
 * API's `scope`/`for`): none means durable; `for` alone means a lease.
 *
 * @throws {RangeError} for an unknown scope, a bad duration, or `for` with session or durable
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { approvalScopeOf } from "./approval_scope.ts";
 * assert.equal(approvalScopeOf(undefined, "2h")?.scope, "lease");
 * assert.equal(approvalScopeOf(undefined, undefined), undefined);
 * ```
 */
export function approvalScopeOf(scope?: unknown, duration?: unknown): ApprovalScope | undefined {
  if (scope === undefined && duration === undefined) return undefined;
  if (scope !== undefined && typeof scope !== "string") {
    throw new RangeError("scope must be a string");
  }
  if (duration !== undefined && typeof duration !== "string") {
    throw new RangeError("for must be a duration such as 2h");
  }
  const name = parseScope(scope ?? "lease");
  if (duration === undefined) return { scope: name };
  if (name !== "lease" && name !== "once") {
    throw new RangeError(`A duration applies to scope lease or once, not ${name}`);
  }
  return { scope: name, forMs: parseDuration(duration) };
}
