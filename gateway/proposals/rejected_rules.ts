/**
 * The rules people rejected, for auto-approval to leave alone. A fitting rule waits for a person
 * when the sandbox's hourly auto-approvals are spent (or a live lease already grants it); a
 * person who rejected it then was overridden an hour later, when the agent submitted it again
 * and the automation approved it. A rejection is a person's decision about the rule, so a rule
 * rejected for a policy, in any spelling (`_rule_spelling.ts`) and from any sandbox, waits for
 * a person again. Every rejection is a person's (the inbox, the CLI, the API); so is a revocation
 * of an approved rule, whose proposal ids the caller names.
 *
 * @module
 */

import { isProposalId } from "../listing/mod.ts";
import { listProposalFiles, type ProposalFile, proposalFilePath } from "./proposal_files.ts";
import { readProposalRecord } from "./proposal_record.ts";
import { spellingHash } from "./_rule_spelling.ts";

/** A rejected proposal's policy and rule spelling, as one key. */
const keyOf = (policy: string, rule: unknown) => `${policy}\u0000${spellingHash(rule)}`;

/**
 * The keys of the rejected proposals a store has read, by path: a rejected patch does not
 * change, so each is read once (the rest of a check is one directory listing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RejectedRules } from "./rejected_rules.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await new RejectedRules().has(dir, "team", { endpoints: [] }), false);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RejectedRules {
  #keys = new Map<string, string>();

  /**
   * True when a person rejected `rule` (in any spelling) for `policy` in `policiesDir`, or
   * revoked it: `revoked` names approved proposals whose rules a person took away.
   */
  async has(
    policiesDir: string,
    policy: string,
    rule: unknown,
    revoked: readonly string[] = [],
  ): Promise<boolean> {
    const next = new Map<string, string>();
    const approved = revoked.filter(isProposalId).map((id): ProposalFile => ({
      id,
      state: "approved",
      path: proposalFilePath(policiesDir, "approved", id),
    }));
    for (const file of [...await listProposalFiles(policiesDir, "rejected"), ...approved]) {
      let key = this.#keys.get(file.path);
      if (key === undefined) {
        // Unreadable (caught mid-write by a fetch): not remembered, read again next time.
        const record = await readProposalRecord(file).catch(() => undefined);
        if (record === undefined) continue;
        key = keyOf(record.meta.policy, record.rule);
      }
      next.set(file.path, key);
    }
    this.#keys = next;
    const wanted = keyOf(policy, rule);
    for (const key of next.values()) if (key === wanted) return true;
    return false;
  }
}
