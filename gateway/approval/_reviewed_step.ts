/**
 * The approval step that holds a reviewer to what they read: the policy they read a proposal
 * against (when they name its hash), or else at least what its patch said it adds. A proposal
 * that read "adds nothing: already covered by the policy" would otherwise be approved after a
 * person removed the covering rule, granting again what had just been taken away.
 *
 * @module
 */

import { authorityDelta, formatGrant } from "../authority/mod.ts";
import type { ApproveOptions } from "../automation/mod.ts";
import { visibleText } from "../repo/mod.ts";
import { findingsBasis, readCeilingText } from "../listing/mod.ts";
import { AUTO_APPROVALS_PER_HOUR, recentAutoApprovals, type StoreEnv } from "../proposals/mod.ts";
import { conflict } from "./_approve_checks.ts";
import type { Loaded } from "./_approve_load.ts";

/**
 * Refuse the approval when the policy is no longer the one whose hash the reviewer names, or,
 * when they name none (the CLI without `--policy-hash`, an API call without it, a patch read in
 * Git), when the rule now adds a grant its submit-time checks did not name. Auto-approvals
 * re-check their pattern on the policy as it is, and skip this; they are held to the sandbox's
 * hourly auto-approval count instead.
 *
 * @throws {ProposalConflictError} saying what changed and how to review again
 */
export async function reviewedStep(
  env: StoreEnv,
  loaded: Loaded,
  options: ApproveOptions,
): Promise<void> {
  const id = loaded.record.id;
  const read = options.reviewedPolicyHash;
  if (read !== undefined) {
    if (read === loaded.current.loaded.hash) return;
    throw conflict(id, "the policy changed since you reviewed it: review it again");
  }
  if (options.auto !== undefined) return await autoCapStep(env, loaded);
  // The policy and ceiling its checks were computed on: what it adds cannot have changed.
  const ceilingText = await readCeilingText(env.policiesDir, env.ceilingFile);
  if (loaded.seal.listing?.basis === await findingsBasis(loaded.current.text, ceilingText)) return;
  const added = addedSinceSubmit(loaded);
  if (added.length === 0) return;
  const named = added.slice(0, 3).join("; ") + (added.length > 3 ? ` (+${added.length - 3})` : "");
  throw conflict(
    id,
    `it adds what it did not when submitted: ${visibleText(named, 600)}; review it again ` +
      `(tollgate proposals show ${id}) and approve with its --policy-hash, or run ` +
      `tollgate proposals refresh ${id}`,
  );
}

/**
 * An auto-approval, counted under the directory lock against the sandbox's durable count (the
 * approved patches of the last hour that say "auto"): submits sent at once, a restarted gateway
 * and another gateway sharing the remote all see the approvals made before this one.
 */
async function autoCapStep(env: StoreEnv, loaded: Loaded): Promise<void> {
  const { policy, sandbox } = loaded.record.meta;
  const who = { policy, ...(sandbox === undefined ? {} : { sandbox }) };
  const now = env.now().getTime();
  const count = await recentAutoApprovals(env.policiesDir, who, now, env.autoApprovals);
  if (count < AUTO_APPROVALS_PER_HOUR) return;
  throw conflict(
    loaded.record.id,
    `its sandbox had ${count} approvals without a person in the last hour; a person decides`,
  );
}

/** Grants the rule adds now that the submit-time `authority_delta` finding did not name. */
function addedSinceSubmit(loaded: Loaded): string[] {
  const shown = loaded.seal.findings.find((f) => f.code === "authority_delta")?.grants;
  // A seal written before the grants were recorded: nothing to hold the approval to.
  if (!Array.isArray(shown)) return [];
  const known = new Set(shown);
  const now = authorityDelta(loaded.current.loaded.compiled, loaded.record.rule).added;
  return now.map(formatGrant).filter((g) => !known.has(g));
}
