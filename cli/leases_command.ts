/**
 * `tollgate leases list|revoke|sweep`: the scoped rules (once, lease, session) in the policy
 * files, straight from the policies directory. `revoke` and `sweep` remove rules with a commit
 * (`Removed-By: revoked|expiry`), as the gateway's own clean-up does; a running gateway sees the
 * change through its watch and pushes it.
 *
 * @module
 */

import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, resolveUserPath, UsageError } from "./context.ts";
import { commandGroup } from "./_command_group.ts";
import { isPolicyName, ProposalStore, safeJson, visibleText } from "../gateway/mod.ts";
import { listLeases } from "../gateway/automation/mod.ts";
import type { LeaseEntry, RuleRemoval } from "../gateway/client/mod.ts";
import { OcsfLog } from "../proxy/ocsf/mod.ts";
import { testPause } from "./_test_pause.ts";
import { requirePoliciesDir } from "./_project.ts";
import { sweepEmbeddedSandboxes } from "./_dead_sandboxes.ts";
import { STATE_FLAG } from "./_flags.ts";

const POLICIES = ["--policies <dir>", "policies directory", "./policies"] as const;
const STATE = [
  "--state <dir>",
  "state directory (its logs/ get CONFIG events; sweep also retires its dead runners, default ./.tollgate)",
] as const;

/**
 * Register the `leases` command group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerLeasesCommands } from "./leases_command.ts";
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
 * registerLeasesCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["leases"]);
 * const subcommands = program.commands[0]!.commands.map((c) => c.name());
 * assert.deepEqual(subcommands, ["list", "revoke", "sweep"]);
 * ```
 */
export function registerLeasesCommands(program: Command, ctx: CliContext): void {
  const group = commandGroup(
    program,
    "leases",
    "List, revoke and clean up scoped rules (once, lease, session)",
  );
  group.command("list").description("List the scoped rules of every policy")
    .option(...POLICIES).option("--policy <name>", "only this policy").option("--json", "JSON")
    .action(async (o) => {
      const dir = await requirePoliciesDir(resolveUserPath(ctx, o.policies));
      const leases = await listLeases(dir, Date.now(), name(o.policy));
      if (o.json) ctx.out(safeJson(leases, 2) + "\n");
      else ctx.out(renderLeases(leases));
    });
  group.command("revoke").description("Remove a scoped rule now, with a commit")
    .argument("<rule>", "the rule key").option(...POLICIES).option(...STATE)
    .option("--policy <name>", "the policy holding it (when several do)")
    .option("--revoked-by <name>", "reviewer name (default: $USER)")
    .action(async (rule, o) => {
      const dir = await requirePoliciesDir(resolveUserPath(ctx, o.policies));
      const holders = (await listLeases(dir, Date.now(), name(o.policy)))
        .filter((l) => l.rule === rule);
      if (holders.length === 0) throw new CliFailure(`No scoped rule "${visibleText(rule, 80)}"`);
      const policies = [...new Set(holders.map((l) => l.policy))];
      if (policies.length > 1) {
        throw new UsageError(`Several policies have "${rule}": name one with --policy`);
      }
      const by = o.revokedBy ?? ctx.env.USER ?? "unknown";
      const end = { kind: "revoke" as const, ruleKey: rule, policy: policies[0]!, by };
      report(ctx, await openStore(ctx, dir, o.state).removeEnded(end));
    });
  group.command("sweep")
    .description(
      "Remove every expired once or lease rule, and a killed sandbox's session rules, now",
    )
    .option(...POLICIES).option(...STATE)
    .action(async (o) => {
      const dir = await requirePoliciesDir(resolveUserPath(ctx, o.policies));
      const store = openStore(ctx, dir, o.state);
      // A killed sandbox's session rules too: its runner's registry is in the state directory.
      const registry = resolveUserPath(ctx, o.state ?? STATE_FLAG[2]);
      const dead = await sweepEmbeddedSandboxes(registry, () => Promise.resolve(store), dir);
      report(ctx, [...dead, ...await store.removeEnded({ kind: "expired" })]);
    });
}

function name(policy?: string): string | undefined {
  if (policy !== undefined && !isPolicyName(policy)) {
    throw new UsageError(`Invalid policy name "${visibleText(policy, 80)}"`);
  }
  return policy;
}

function report(ctx: CliContext, removals: RuleRemoval[]): void {
  if (removals.length === 0) ctx.out("Nothing removed\n");
  for (const r of removals) {
    const commit = r.commit ? `, commit ${r.commit}` : "";
    ctx.out(
      `OK Removed ${r.rules.join(", ")} from ${r.policy} (${r.removedBy}). ` +
        `Revision ${r.revision}${commit}\n`,
    );
  }
}

/**
 * The `leases list` table: policy, rule, scope, until (or sandbox), and `expired` for a rule
 * the clean-up commit has not removed yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderLeases } from "./leases_command.ts";
 * assert.equal(renderLeases([]), "No scoped rules\n");
 * ```
 */
export function renderLeases(leases: readonly LeaseEntry[]): string {
  if (leases.length === 0) return "No scoped rules\n";
  const rows = leases.map((l) => [
    l.policy,
    l.rule,
    l.scope,
    l.sandbox ? `sandbox ${l.sandbox}` : `${l.expires ?? ""}${l.expired ? " (expired)" : ""}`,
  ]);
  const head = ["POLICY", "RULE", "SCOPE", "UNTIL"];
  const width = (i: number) => Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length));
  const line = (r: string[]) =>
    r.map((cell, i) => i === r.length - 1 ? cell : cell.padEnd(width(i))).join("  ");
  return [head, ...rows].map(line).join("\n") + "\n";
}

function openStore(ctx: CliContext, policiesDir: string, state?: string): ProposalStore {
  const log = state === undefined
    ? undefined
    : new OcsfLog(join(resolveUserPath(ctx, state), "logs"));
  return new ProposalStore({
    policiesDir,
    emit: (event) => void log?.append(event).catch(() => {}),
    beforeStep: testPause(ctx),
  });
}
