/**
 * Removing ended scoped rules, as named steps under the directory lock, per policy: pick the
 * ended rules → journal the removal → rewrite the policy (revision bumped; the new text is
 * pushed to proxies at once) → commit (`Removed-By: expiry|once|session-ended|revoked`) →
 * settle (clear the journal, CONFIG:REMOVED). A kill at any step leaves the old policy or the
 * new one; the journal lets the next run commit a rewrite that was not committed yet.
 *
 * @module
 */

import { parseRuleLeases, type RuleLease } from "../../proxy/policy/mod.ts";
import { configEvent } from "../../proxy/ocsf/mod.ts";
import { writeFileAtomic } from "../repo/mod.ts";
import { withDirectoryLock } from "../repo/mod.ts";
import { listPolicyNames, type PolicyFile, readPolicyFile } from "../repo/mod.ts";
import { textHash } from "../proposals/mod.ts";
import type { StoreEnv } from "../proposals/mod.ts";
import { visibleText } from "../repo/mod.ts";
import { endedKeys, removalSubject, removedBy, type RuleEnd, textWithout } from "./ended_rules.ts";
import {
  clearJournal,
  commitIfDirty,
  recoverRemovals,
  type RemovalJournal,
  writeJournal,
} from "./removal_journal.ts";
import type { RuleRemoval } from "../client/mod.ts";

/**
 * Remove the scoped rules `end` names from every policy (or the one it names), one commit per
 * policy. Finishes an interrupted removal first. Rules that do not exist, are durable, or have
 * not ended are left alone: the result is then empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { approveProposal } from "../approval/mod.ts";
 * import { removeEndedRules } from "./remove_ended_rules.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * await new Deno.Command("git", { args: ["init", "-q", dir] }).output();
 * const env = {
 *   policiesDir: dir,
 *   now: () => new Date(),
 *   emit: () => {},
 *   notify: () => {},
 *   repo: () => Promise.resolve({ root: dir, prefix: "" }),
 *   beforeStep: () => Promise.resolve(),
 *   policies: new PolicyCache(),
 * };
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await submitProposal(env, { policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * await approveProposal(env, id, { approvedBy: "alice", scope: { scope: "once" } });
 * const removed = await removeEndedRules(env, { kind: "once", policy: "team", ruleKey: "gh" });
 * assert.deepEqual(removed.map((r) => r.rules), [["gh"]]);
 * assert.doesNotMatch(await Deno.readTextFile(`${dir}/team.yaml`), /gh:/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function removeEndedRules(env: StoreEnv, end: RuleEnd): Promise<RuleRemoval[]> {
  return await withDirectoryLock(env.policiesDir, async () => {
    await recoverRemovals(env);
    const names = end.kind === "once"
      ? [end.policy]
      : end.kind === "revoke" && end.policy !== undefined
      ? [end.policy]
      : await listPolicyNames(env.policiesDir);
    const out: RuleRemoval[] = [];
    for (const name of names) {
      const removal = await removeFrom(env, name, end);
      if (removal) out.push(removal);
    }
    return out;
  });
}

async function removeFrom(
  env: StoreEnv,
  name: string,
  end: RuleEnd,
): Promise<RuleRemoval | undefined> {
  await env.beforeStep("pick");
  // A policy that does not load is left to a person; the proxies keep its last good version.
  const current = await readPolicyFile(env.policiesDir, name).catch(() => undefined);
  if (!current) return undefined;
  const keys = endedKeys(name, parseRuleLeases(current.text), end, env.now().getTime());
  if (keys.length === 0) return undefined;
  const next = textWithout(current.text, keys, name);
  const revision = next.loaded.policy.revision;
  const journal: RemovalJournal = {
    policy: name,
    textHash: textHash(next.text),
    subject: removalSubject(name, keys, end),
    trailers: trailersOf(keys, end, revision),
  };
  await env.beforeStep("journal");
  await writeJournal(env.policiesDir, journal);
  await env.beforeStep("rewrite");
  await writeFileAtomic(current.path, next.text, {
    // Proxies take the smaller policy at once, as they take an approval's.
    onReplaced: () =>
      env.notify({
        kind: "policy",
        name,
        revision,
        hash: next.loaded.hash,
        text: next.text,
        policy: next.loaded.policy,
      }),
  });
  await env.beforeStep("recommit");
  const commit = await commitIfDirty(env, journal, next.text);
  await env.beforeStep("settle");
  await clearJournal(env.policiesDir, name);
  const removal = { policy: name, rules: keys, removedBy: removedBy(end), revision };
  const result = { ...removal, hash: next.loaded.hash, ...(commit ? { commit } : {}) };
  env.emit(removedEvent(result, current));
  return result;
}

function trailersOf(keys: string[], end: RuleEnd, revision: number): Record<string, string> {
  const trailers: Record<string, string> = {
    "Removed-By": removedBy(end),
    "Removed-Rules": keys.join(", "),
    "Policy-Revision": String(revision),
  };
  if (end.kind === "revoke") trailers["Revoked-By"] = visibleText(end.by, 200);
  if (end.kind === "session") trailers["Sandbox"] = end.sandbox;
  return trailers;
}

function removedEvent(r: RuleRemoval, before: PolicyFile) {
  const leases = parseRuleLeases(before.text);
  const message = `rule ${r.rules.join(", ")} removed from ${r.policy} (${r.removedBy})`;
  const event = configEvent("REMOVED", message, {
    revision: r.revision,
    hash: r.hash,
    policy: r.policy,
  });
  const scopes = r.rules.map((k) => (leases.get(k) as RuleLease | undefined)?.scope ?? "durable");
  event.unmapped = { ...event.unmapped, removed_by: r.removedBy, rules: r.rules, scopes };
  return event;
}
