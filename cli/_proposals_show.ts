/**
 * `tollgate proposals show|diff`: one proposal as a reviewer reads it. A pending proposal's
 * `show` names the hash of the policy it was read against, which `proposals approve
 * --policy-hash` then insists on.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, resolveUserPath, UsageError, useColor } from "./context.ts";
import {
  isProposalId,
  proposalCommits,
  proposalJson,
  readForReview,
  renderDiff,
  renderProposalDetail,
  type ReviewRead,
  safeJson,
  visibleText,
} from "../gateway/mod.ts";
import { POLICIES_FLAG as POLICIES } from "./_flags.ts";
import { openStore } from "./_proposal_store.ts";

/**
 * Register `proposals show ID [--json]` and `proposals diff ID [--json]` on `group`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerShowCommands } from "./_proposals_show.ts";
 * const ctx = {
 *   cwd: "/", env: {}, out() {}, err() {}, isTTY: false,
 *   signal: new AbortController().signal, setExitCode() {},
 * };
 * const group = new Command("proposals");
 * registerShowCommands(group, ctx);
 * assert.deepEqual(group.commands.map((c) => c.name()), ["show", "diff"]);
 * ```
 */
export function registerShowCommands(group: Command, ctx: CliContext): void {
  group.command("show").description("Show one proposal: checks, rationale, diff")
    .argument("<id>").option(...POLICIES).option("--json", "print JSON")
    .action(async (id, o) => {
      const { record, state } = await readRecord(ctx, o.policies, id);
      // The approval commit, as the inbox's history shows it.
      const commit = record.state === "approved"
        ? (await proposalCommits(resolveUserPath(ctx, o.policies))).get(id)
        : undefined;
      const hash = state?.currentPolicyHash || undefined;
      if (o.json) {
        const extra = {
          ...(commit ? { commit } : {}),
          ...(hash ? { current_policy_hash: hash } : {}),
        };
        ctx.out(safeJson({ ...proposalJson(record), diff: record.diff, ...extra }, 2) + "\n");
        return;
      }
      ctx.out(renderProposalDetail(record, useColor(ctx)) + (commit ? `Commit: ${commit}\n` : ""));
      // Read against this policy: approving with it refuses once the policy is another.
      if (hash) {
        ctx.out(
          `Policy hash: ${hash}\nApprove what you read: tollgate proposals approve ${id} --policy-hash ${hash}\n`,
        );
      }
    });
  group.command("diff").description("Print a proposal's diff (coloured on a terminal)")
    .argument("<id>").option(...POLICIES).option("--json", "print {id, diff} as JSON")
    .action(async (id, o) => {
      const { record } = await readRecord(ctx, o.policies, id);
      if (o.json) ctx.out(safeJson({ id: record.id, diff: record.diff }, 2) + "\n");
      else ctx.out(renderDiff(record.diff, useColor(ctx)));
    });
}

/**
 * `id` when it is a proposal id.
 *
 * @throws {UsageError} naming the id's shape otherwise
 */
export function checkId(id: string): string {
  if (isProposalId(id)) return id;
  throw new UsageError(
    `Invalid proposal id "${visibleText(id, 60)}": ids look like p-20260101T120000-abc123; ` +
      `"tollgate proposals list" shows them`,
  );
}

async function readRecord(ctx: CliContext, policies: string, id: string): Promise<ReviewRead> {
  const read = await readForReview(await openStore(ctx, policies), checkId(id));
  if (!read) throw new CliFailure(`No proposal "${id}": "tollgate proposals list" shows them`);
  return read;
}
