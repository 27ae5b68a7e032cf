/**
 * `proposals approve --all` on a terminal: the pending list and one question, then each proposal
 * re-read just before its approval. Each approval changes the policy the next proposal is read
 * against, so a proposal the list showed without warnings may carry one by its turn (a plain L4
 * grant beside an L7 endpoint the batch just added), which the approval then refused, naming
 * checks the reviewer had not been shown. Now that one is shown again and asked about alone (a
 * yes re-drafts it with the checks just shown), and every approval names the policy hash its
 * proposal was last read against.
 *
 * @module
 */

import { type CliContext, CliFailure, UsageError, useColor } from "./context.ts";
import {
  ProposalConflictError,
  type ProposalRecord,
  type ProposalStore,
  readForReview,
  renderProposalList,
} from "../gateway/mod.ts";
import { checkId } from "./_proposals_show.ts";

/** What to approve; for an interactive `--all`, the checks the list showed for each. */
export interface ApprovalTargets {
  /** The proposal ids, in order. */
  ids: string[];
  /** Interactive `--all` only: each id's warning codes as the list showed them. */
  shown?: Map<string, string>;
}

/** The warning and refusal codes a reviewer reads for `record`, as one comparable string. */
function warningCodes(record: ProposalRecord): string {
  return record.meta.findings.filter((f) => f.severity !== "info").map((f) => f.code).sort()
    .join(",");
}

/**
 * The ids to approve: those given, or every pending one for `--all` (asking once on a
 * terminal unless `--yes`).
 *
 * @throws {UsageError} for ids and `--all` together, neither, or `--all` off a terminal without `--yes`
 * @throws {CliFailure} when the reviewer declines
 */
export async function approvalTargets(
  ctx: CliContext,
  store: ProposalStore,
  ids: string[],
  o: { all?: boolean; yes?: boolean },
): Promise<ApprovalTargets> {
  if (!o.all && ids.length === 0) {
    throw new UsageError("Give the proposal ids to approve, or --all");
  }
  if (o.all && ids.length > 0) throw new UsageError("Give proposal ids or --all, not both");
  if (!o.all) return { ids: ids.map(checkId) };
  const records = await store.list({ status: "pending" });
  const pending = records.map((r) => r.id);
  if (pending.length === 0) ctx.out("No pending proposals\n");
  if (pending.length === 0 || o.yes) return { ids: pending };
  if (!ctx.isTTY || !ctx.confirm) {
    throw new UsageError("Approving --all needs --yes when not on a terminal");
  }
  ctx.out(renderProposalList(records, useColor(ctx)));
  // Warnings are what a reviewer reads before approving one by one: say how many ride along.
  const warned = records.filter((r) => r.meta.findings.some((f) => f.severity === "warn")).length;
  const verb = warned === 1 ? "carries" : "carry";
  const note = warned === 0 ? "" : ` ${warned} of them ${verb} warnings (see the list above).`;
  if (!ctx.confirm(`Approve all ${pending.length} pending proposal(s)?${note}`)) {
    throw new CliFailure("Nothing approved");
  }
  return { ids: pending, shown: new Map(records.map((r) => [r.id, warningCodes(r)])) };
}

/**
 * Before approving `id` of an interactive `--all`: re-read it against the policy as it is now.
 * Its checks as the list showed them (`shown`): approve against the hash just read. Changed:
 * show it again and ask about it alone; a yes re-drafts it (`proposals refresh`) so the checks
 * it is approved under are those just shown. Undefined when the reviewer declines.
 */
export async function reReadForBatch(
  ctx: CliContext,
  store: ProposalStore,
  id: string,
  shown: string,
): Promise<{ reviewedPolicyHash?: string } | undefined> {
  const read = await readForReview(store, id);
  // Decided or gone meanwhile: the approval says so.
  if (!read?.state) return {};
  const hash = read.state.currentPolicyHash || undefined;
  const now = warningCodes(read.record);
  if (now === shown) return { reviewedPolicyHash: hash };
  ctx.out(renderProposalList([read.record], useColor(ctx)));
  const question = `Approve ${id}? Its checks changed since the list above: ${now || "none"}`;
  if (!ctx.confirm?.(question)) {
    ctx.out(`Skipped ${id}\n`);
    return undefined;
  }
  try {
    // Re-drafted against the policy whose hash is approved against: if that moved since, the
    // approval refuses rather than approve checks nobody was shown.
    await store.refresh(id);
    return { reviewedPolicyHash: hash };
  } catch (error) {
    // The checks now refuse it, or it was decided meanwhile: say so and go on with the batch.
    if (!(error instanceof ProposalConflictError)) throw error;
    ctx.err(`error: ${error.message}\n`);
    ctx.setExitCode(1);
    return undefined;
  }
}
