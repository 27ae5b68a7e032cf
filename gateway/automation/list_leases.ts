/**
 * The scoped rules of a policies directory, as `tollgate leases list` and `GET /v1/leases`
 * show them, and the earliest instant one of them expires (the clean-up timer's next tick).
 *
 * @module
 */

import { parseRuleLeases } from "../../proxy/policy/mod.ts";
import { listPolicyNames, policyFilePath } from "../repo/mod.ts";
import type { LeaseEntry } from "../client/mod.ts";

/**
 * Every scoped rule of the policies in `dir` (or of `only`), by policy then rule key. A policy
 * file that cannot be read is skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { approveProposal } from "../approval/mod.ts";
 * import { listLeases } from "./list_leases.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const env = {
 *   policiesDir: dir,
 *   now: () => new Date(),
 *   emit: () => {},
 *   notify: () => {},
 *   repo: () => Promise.resolve({ prefix: "" }), // not in Git: nothing is committed
 *   beforeStep: () => Promise.resolve(),
 *   policies: new PolicyCache(),
 * };
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await submitProposal(env, { policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * await approveProposal(env, id, { approvedBy: "alice", scope: { scope: "lease", forMs: 60_000 } });
 * const [lease] = await listLeases(dir, Date.now());
 * assert.equal(lease?.rule, "gh");
 * assert.equal(lease?.expired, false);
 * assert.equal((await listLeases(dir, Date.now() + 120_000))[0]?.expired, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listLeases(
  dir: string,
  now: number,
  only?: string,
): Promise<LeaseEntry[]> {
  const names = only === undefined ? await listPolicyNames(dir) : [only];
  const out: LeaseEntry[] = [];
  for (const policy of names) {
    const text = await Deno.readTextFile(policyFilePath(dir, policy)).catch(() => "");
    const leases = [...parseRuleLeases(text)].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    for (const [rule, lease] of leases) {
      const entry: LeaseEntry = { policy, rule, scope: lease.scope, expired: false };
      if (lease.expiresAt !== undefined) {
        entry.expiresAt = lease.expiresAt;
        entry.expires = new Date(lease.expiresAt).toISOString();
        entry.expired = lease.expiresAt <= now;
      }
      if (lease.sandbox !== undefined) entry.sandbox = lease.sandbox;
      if (lease.proposal !== undefined) entry.proposal = lease.proposal;
      out.push(entry);
    }
  }
  return out;
}

/**
 * The earliest expiry among `leases`, or undefined when none expires.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { earliestExpiry } from "./list_leases.ts";
 * assert.equal(earliestExpiry([{ expiresAt: 9 }, { expiresAt: 4 }, {}] as never), 4);
 * ```
 */
export function earliestExpiry(leases: readonly LeaseEntry[]): number | undefined {
  let first: number | undefined;
  for (const l of leases) {
    if (l.expiresAt !== undefined && (first === undefined || l.expiresAt < first)) {
      first = l.expiresAt;
    }
  }
  return first;
}
