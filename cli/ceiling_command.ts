/**
 * `tollgate ceiling check [POLICY]`: whether sandbox policies fit the org ceiling, naming each
 * one's first grant outside it. The ceiling's own lines are never printed.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, resolveUserPath, UsageError } from "./context.ts";
import { commandGroup } from "./_command_group.ts";
import { requirePoliciesDir } from "./_project.ts";
import { checkFlagFiles } from "./_start_errors.ts";
import { isPolicyName, listPolicyNames, safeJson, visibleText } from "../gateway/mod.ts";
import { ceilingPath, checkCeiling } from "../gateway/authority/mod.ts";
import { formatIssue, loadPolicyFile, PolicyValidationError } from "../proxy/policy/mod.ts";
import type { CeilingCheck } from "../gateway/client/mod.ts";

/**
 * Register `ceiling check [POLICY] [--policies DIR] [--ceiling FILE] [--json]`: exit 1 when a
 * policy is outside the ceiling or cannot be checked, or the ceiling cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerCeilingCommands } from "./ceiling_command.ts";
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
 * registerCeilingCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["ceiling"]);
 * const subcommands = program.commands[0]!.commands.map((c) => c.name());
 * assert.deepEqual(subcommands, ["check"]);
 * ```
 */
export function registerCeilingCommands(program: Command, ctx: CliContext): void {
  const group = commandGroup(program, "ceiling", "Check sandbox policies against the org ceiling", {
    usage: "ceiling check [POLICY]",
  });
  group.command("check").description("Check policies against the org ceiling (ceiling.yaml)")
    .argument("[policy]", "one policy (default: every policy)")
    .option("--policies <dir>", "policies directory", "./policies")
    .option("--ceiling <file>", "the ceiling file (default: POLICIES/ceiling.yaml)")
    .option("--json", "print the result as JSON")
    .action(async (policy, o) => {
      if (policy !== undefined && !isPolicyName(policy)) {
        throw new UsageError(`Invalid policy name "${visibleText(policy, 80)}"`);
      }
      const dir = await requirePoliciesDir(resolveUserPath(ctx, o.policies));
      const names = policy === undefined ? await listPolicyNames(dir) : [policy];
      // The default may be absent (no ceiling); a file named must be there, as for validate.
      const ceiling = o.ceiling === undefined
        ? undefined
        : (await checkFlagFiles([resolveUserPath(ctx, o.ceiling)], "--ceiling"))[0]!;
      const check = await checkCeiling(dir, names, ceiling);
      if (check.ceiling === "unreadable" && !o.json) {
        // The operator's own file: say where it is wrong (what agents see names nothing).
        throw new CliFailure(await ceilingIssue(ceilingPath(dir, ceiling)) ?? check.error);
      }
      ctx.out(o.json ? safeJson(check, 2) + "\n" : renderCheck(check));
      const bad = check.ceiling === "unreadable" || check.policies.some((p) => !p.inside);
      if (bad) ctx.setExitCode(1);
    });
}

/** The ceiling's first problem as FILE:LINE:COL, or undefined when it is not a policy issue. */
async function ceilingIssue(path: string): Promise<string | undefined> {
  const error = await loadPolicyFile(path).then(() => undefined, (e: unknown) => e);
  const first = error instanceof PolicyValidationError ? error.issues[0] : undefined;
  return first && `Invalid org ceiling: ${formatIssue(first)}`;
}

function renderCheck(check: CeilingCheck): string {
  if (check.ceiling === "none") return "No org ceiling: every policy may grant anything\n";
  return check.policies.map((p) =>
    p.inside ? `ok ${p.policy}: inside the org ceiling\n` : `${p.policy}: ${p.outside ?? p.error}\n`
  ).join("");
}
