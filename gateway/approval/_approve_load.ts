/**
 * The load step of an approval: the pending proposal, its patch as its seal confirms it, the
 * current policy, and the org ceiling, or a conflict saying why it cannot be approved.
 *
 * @module
 */

import type { ProposalRecord, ProposalSeal, StoreEnv } from "../proposals/mod.ts";
import { findProposalFile, readSeal, recordFromText, sealProblem } from "../proposals/mod.ts";
import { type PolicyFile, readPolicyFile, visibleText } from "../repo/mod.ts";
import type { CeilingView } from "../authority/mod.ts";
import { conflict } from "./_approve_checks.ts";
import { UnknownProposalError } from "../proposals/mod.ts";

/** What an approval works on, read under the directory lock. */
export interface Loaded {
  record: ProposalRecord;
  current: PolicyFile;
  /** The patch file's text, as its seal confirmed it. */
  text: string;
  seal: ProposalSeal;
  /** The org ceiling at approval time, when there is one. */
  ceiling?: CeilingView;
}

/** Read what approving `id` needs; a conflict when it is not pending, tampered or stale. */
export async function loadStep(env: StoreEnv, id: string): Promise<Loaded> {
  const found = await findProposalFile(env.policiesDir, id);
  if (!found) throw new UnknownProposalError(id, "approve");
  if (found.state !== "pending") throw conflict(id, `it is already ${found.state}`);
  const text = await Deno.readTextFile(found.path);
  const record = recordFromText(found, text);
  if (record.ruleError) throw conflict(id, record.ruleError);
  // Approve only the patch Tollgate wrote: the rule proposed, checked and shown.
  const seal = await readSeal(env.policiesDir, id);
  const { policy, ruleKey } = record.meta;
  const tampered = sealProblem(seal, { text, policy, ruleKey, rule: record.rule });
  if (tampered || !seal) throw conflict(id, `${tampered}; reject it`);
  const load = (text: string, file: string) => env.policies.load(text, file);
  const current = await readPolicyFile(env.policiesDir, record.meta.policy, load).catch((error) => {
    const why = visibleText((error as Error).message, 300);
    throw conflict(id, `policy "${record.meta.policy}" does not validate on disk: ${why}`);
  });
  if (!current) throw conflict(id, `policy "${record.meta.policy}" no longer exists`);
  return { record, current, text, seal, ceiling: await env.ceiling?.() };
}
