/**
 * `tollgate rule get`: proposals as OpenShell's `rule get` shows draft chunks — Rule, Binary,
 * Rationale, Endpoints (format_endpoint form), Checks — grouped by policy.
 *
 * @module
 */

import { type Command, Option } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath, UsageError, useColor } from "./context.ts";
import { commandGroup } from "./_command_group.ts";
import {
  isPolicyName,
  listPolicyNames,
  PROPOSAL_STATES,
  proposalJson,
  type ProposalRecord,
  ProposalStore,
  readPolicyFile,
  renderRuleChunk,
  safeJson,
  visibleText,
} from "../gateway/mod.ts";
import { POLICIES_FLAG } from "./_flags.ts";
import { requirePoliciesDir } from "./_project.ts";

/**
 * Register `rule get [--policy NAME] [--status S] [--json]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerRuleCommands } from "./rule_command.ts";
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
 * registerRuleCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["rule"]);
 * const subcommands = program.commands[0]!.commands.map((c) => c.name());
 * assert.deepEqual(subcommands, ["get"]);
 * ```
 */
export function registerRuleCommands(program: Command, ctx: CliContext): void {
  const rule = commandGroup(program, "rule", "Show proposed network rules");
  rule.command("get").description("Show proposed rules per policy (OpenShell layout)")
    .option(...POLICIES_FLAG)
    .option("--policy <name>", "only this policy")
    .addOption(new Option("--status <status>", "only this state").choices(PROPOSAL_STATES))
    .option("--json", "print a JSON array")
    .action(async (o) => {
      if (o.policy !== undefined && !isPolicyName(o.policy)) {
        throw new UsageError(`Invalid policy name "${visibleText(o.policy, 80)}"`);
      }
      const dir = await requirePoliciesDir(resolveUserPath(ctx, o.policies));
      const records = (await new ProposalStore({ policiesDir: dir }).list({ status: o.status }))
        .filter((r) => o.policy === undefined || r.meta.policy === o.policy);
      if (o.json) return ctx.out(safeJson(records.map(proposalJson), 2) + "\n");
      const names = o.policy ? [o.policy] : await policyNames(dir, records);
      if (names.length === 0) return ctx.out("No network rules\n");
      const blocks = [];
      for (const name of names) {
        blocks.push(await renderPolicy(dir, name, records, useColor(ctx)));
      }
      ctx.out(blocks.join("\n"));
    });
}

async function policyNames(dir: string, records: ProposalRecord[]): Promise<string[]> {
  const names = new Set(await listPolicyNames(dir).catch(() => []));
  for (const r of records) names.add(r.meta.policy);
  return [...names].sort();
}

async function renderPolicy(
  dir: string,
  name: string,
  all: ProposalRecord[],
  color: boolean,
): Promise<string> {
  const records = all.filter((r) => r.meta.policy === name);
  if (records.length === 0) return `No network rules for policy '${visibleText(name, 80)}'\n`;
  const file = await readPolicyFile(dir, name).catch(() => undefined);
  const revision = file ? `revision ${file.loaded.policy.revision}, ` : "";
  const head = `Network Rules: ${
    visibleText(name, 80)
  } (${revision}${records.length} proposal(s))\n`;
  return [head, ...records.map((r) => renderRuleChunk(r, color))].join("\n");
}
