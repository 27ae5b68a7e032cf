/**
 * `tollgate proposals list|show|diff|approve|reject|refresh`: review proposals straight from
 * the policies directory, with or without a running gateway (a running gateway sees the
 * change through its watch and pushes it).
 *
 * @module
 */

import { type Command, Option } from "@commander-js/extra-typings";
import {
  type ApprovalScope,
  type ApproveOptions,
  parseDuration,
  parseScope,
} from "../gateway/automation/mod.ts";
import { GUIDANCE } from "../proxy/policy_local/mod.ts";
import { type CliContext, CliFailure, UsageError, useColor } from "./context.ts";
import { notCommittedWarning } from "./_git_warning.ts";
import { commandGroup } from "./_command_group.ts";
import {
  type ApproveResult,
  gitUserName,
  PROPOSAL_STATES,
  ProposalConflictError,
  proposalJson,
  type ProposalStore,
  renderProposalList,
  safeJson,
} from "../gateway/mod.ts";
import { registerWatchCommand } from "./proposals_watch.ts";
import { POLICIES_FLAG as POLICIES, STATE_FLAG as STATE } from "./_flags.ts";
import { openStore } from "./_proposal_store.ts";
import { checkId, registerShowCommands } from "./_proposals_show.ts";
import { approvalTargets, reReadForBatch } from "./_approve_all.ts";

/**
 * Register the `proposals` command group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerProposalsCommands } from "./proposals_command.ts";
 *
 * const ctx = {
 *   cwd: "/",
 *   env: {},
 *   out() {},
 *   err() {},
 *   isTTY: false,
 *   signal: new AbortController().signal,
 *   setExitCode() {},
 * };
 * const program = new Command();
 * registerProposalsCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["proposals"]);
 * const subcommands = program.commands[0]!.commands.map((c) => c.name());
 * assert.deepEqual(subcommands, ["list", "show", "diff", "approve", "reject", "refresh", "watch"]);
 * ```
 */
export function registerProposalsCommands(program: Command, ctx: CliContext): void {
  const group = commandGroup(program, "proposals", "Review, approve and reject proposals");
  group.command("list").description("List proposals, oldest first")
    .option(...POLICIES)
    .addOption(new Option("--status <status>", "only this state").choices(PROPOSAL_STATES))
    .option("--json", "print a JSON array")
    .action(async (o) => {
      const records = await (await openStore(ctx, o.policies)).listing({ status: o.status });
      if (o.json) ctx.out(safeJson(records.map(proposalJson), 2) + "\n");
      else ctx.out(renderProposalList(records, useColor(ctx)));
    });
  registerShowCommands(group, ctx);
  registerDecisions(group, ctx);
  registerWatchCommand(group, ctx);
}

function registerDecisions(group: Command, ctx: CliContext): void {
  group.command("approve")
    .description("Approve proposals: apply, bump revision, commit; running proxies reload")
    .argument("[ids...]").option(...POLICIES).option(...STATE)
    .option("--all", "approve every pending proposal")
    .option("--yes", "with --all: approve without asking")
    .option("--approved-by <name>", "reviewer name (default: git user.name, then $USER)")
    .option("--scope <scope>", "once, lease, session or durable (default durable)")
    .option("--for <duration>", "how long a lease lasts, e.g. 30m, 2h, 7d (implies --scope lease)")
    .option("--policy-hash <hash>", "refuse unless the policy is still the one `show` printed")
    .action(async (ids, o) => {
      const scope = approvalScope(o.scope, o.for);
      // One proposal only: each approval changes the policy the next one would be read against.
      if (o.policyHash !== undefined && (o.all || ids.length !== 1)) {
        throw new UsageError("--policy-hash approves one proposal: give its id alone");
      }
      const reviewedPolicyHash = o.policyHash;
      const store = await openStore(ctx, o.policies, o.state);
      const targets = await approvalTargets(ctx, store, ids, o);
      const by = o.approvedBy ?? await reviewer(ctx, store.policiesDir);
      let uncommitted = false;
      for (const id of targets.ids) {
        const shown = targets.shown?.get(id);
        // Read again after the batch's earlier approvals: approve what is shown now.
        const read = shown === undefined ? { reviewedPolicyHash } : await reReadForBatch(
          ctx,
          store,
          id,
          shown,
        );
        if (!read) continue;
        const result = await approveOne(ctx, store, id, { approvedBy: by, scope, ...read });
        uncommitted ||= result !== undefined && result.commit === undefined;
      }
      if (uncommitted) ctx.err(notCommittedWarning(store.policiesDir));
    });
  group.command("reject").description("Reject a proposal with a reason the agent reads")
    .argument("<id>").option(...POLICIES).option(...STATE)
    .requiredOption("--reason <text>", "why (shown to the agent)")
    .addOption(new Option("--guidance <code>", "structured hint").choices(GUIDANCE))
    .option("--rejected-by <name>", "reviewer name")
    .action(async (id, o) => {
      const store = await openStore(ctx, o.policies, o.state);
      const by = o.rejectedBy ?? await reviewer(ctx, store.policiesDir);
      await decide(() =>
        store.reject(checkId(id), { reason: o.reason, guidance: o.guidance, rejectedBy: by })
      );
      ctx.out(`OK Proposal ${id} rejected.\n`);
    });
  group.command("refresh").description("Re-draft a stale proposal against the current policy")
    .argument("<id>").option(...POLICIES)
    .action(async (id, o) => {
      const store = await openStore(ctx, o.policies);
      await decide(() => store.refresh(checkId(id)));
      ctx.out(`OK Proposal ${id} refreshed; review it again before approving.\n`);
    });
}

/** The scope flags as an approval scope; a usage error names a bad one. */
function approvalScope(scope?: string, duration?: string): ApprovalScope | undefined {
  try {
    if (scope === undefined && duration === undefined) return undefined;
    const name = parseScope(scope ?? "lease");
    if (duration !== undefined && name !== "lease" && name !== "once") {
      throw new RangeError(`--for applies to --scope lease or once, not ${name}`);
    }
    return duration === undefined
      ? { scope: name }
      : { scope: name, forMs: parseDuration(duration) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function approveOne(
  ctx: CliContext,
  store: ProposalStore,
  id: string,
  options: ApproveOptions,
): Promise<ApproveResult | undefined> {
  try {
    const r = await store.approve(id, options);
    const until = r.expires ? ` until ${r.expires}` : "";
    const scope = r.scope && r.scope !== "durable" ? ` (scope ${r.scope}${until})` : "";
    ctx.out(
      `OK Proposal ${id} approved. Policy ${r.policy} revision ${r.revision}, hash ${
        r.hash.slice(0, 12)
      }${scope}\n`,
    );
    return r;
  } catch (error) {
    if (!(error instanceof ProposalConflictError)) throw error;
    ctx.err(`error: ${error.message}\n`);
    ctx.setExitCode(1);
    return undefined;
  }
}

async function decide(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ProposalConflictError) throw new CliFailure(error.message);
    throw error;
  }
}

async function reviewer(ctx: CliContext, dir: string): Promise<string> {
  return await gitUserName(dir) ?? ctx.env.USER ?? "unknown";
}
