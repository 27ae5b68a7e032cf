/**
 * `tollgate policy validate|show`: check policy files as a compiler would (one
 * `FILE:LINE:COL: message` line per problem) and render them for review.
 *
 * @module
 */

import { basename, extname } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath } from "./context.ts";
import { commandGroup } from "./_command_group.ts";
import { scriptBinaryWarnings } from "./_script_binaries.ts";
import { plainBesideL7Warnings } from "./_plain_beside_l7.ts";
import { checkFlagFiles } from "./_start_errors.ts";
import { refuseOutsideCeiling } from "../gateway/authority/mod.ts";
import {
  ANY_BINARY,
  type Endpoint,
  formatEndpoint,
  formatIssue,
  type LoadedPolicy,
  loadPolicyFile,
  PolicyValidationError,
} from "../proxy/policy/mod.ts";

/** The gateway's default ceiling: `ceiling.yaml` in the policies directory (`./policies`). */
const DEFAULT_CEILING = "./policies/ceiling.yaml";

/**
 * Register `policy validate FILE…` and `policy show FILE [--json]`.
 *
 * `validate` prints its whole report on standard output: `ok FILE (…)` per good file, one
 * `FILE:LINE:COL: message` line per problem, one `FILE:LINE:COL: warning: message` line per
 * warning (accepted, as OpenShell accepts it, but worth a look), one `FILE: warning: …` line per
 * binary that is a script (the proxy sees its interpreter); exit 1 when any file has a problem
 * (warnings alone keep exit 0), and one `FILE: rule "KEY" grants …, outside the org ceiling`
 * line (exit 1) for a policy the org ceiling (`--ceiling`, `./policies/ceiling.yaml` by
 * default, as the gateway's) does not hold. `show`
 * prints the policy on standard output and, since that stream carries data (`--json`), its
 * problem lines on standard error. FILE is echoed as typed, resolved against `ctx.cwd`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerPolicyCommands } from "./policy_command.ts";
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
 * registerPolicyCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["policy"]);
 * const subcommands = program.commands[0]!.commands.map((c) => c.name());
 * assert.deepEqual(subcommands, ["validate", "show"]);
 * ```
 */
export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = commandGroup(program, "policy", "Validate and show policy files", {
    usage: "policy validate FILE...|show FILE",
  });
  policy
    .command("validate")
    .description("Check policy files; print one FILE:LINE:COL: message line per problem")
    .argument("<files...>", "policy YAML files")
    .option("--ceiling <file>", "org ceiling to check against (default: ./policies/ceiling.yaml)")
    .action(async (files, options) => {
      // The default may be absent (no ceiling, nothing to check); a file named must be there.
      const ceiling = options.ceiling === undefined
        ? DEFAULT_CEILING
        : (await checkFlagFiles([resolveUserPath(ctx, options.ceiling)], "--ceiling"))[0]!;
      for (const file of files) {
        const loaded = await load(ctx, file, (line) => ctx.out(line + "\n"));
        if (!loaded) continue;
        // A sandbox policy the org ceiling does not hold is refused, naming its first grant.
        const outside = await outsideCeiling(ctx, file, loaded, ceiling);
        if (outside) {
          ctx.out(`${file}: ${outside}\n`);
          ctx.setExitCode(1);
          continue;
        }
        for (const w of loaded.warnings ?? []) {
          ctx.out(formatIssue({ ...w, file, message: `warning: ${w.message}` }) + "\n");
        }
        // Warnings, not errors: the policy is valid, but a plain grant beside L7 rules for its
        // binary is not used, and a rule for a script never matches.
        const searchPath = ctx.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
        const later = [
          ...plainBesideL7Warnings(loaded),
          ...await scriptBinaryWarnings(loaded, searchPath),
        ];
        for (const w of later) {
          ctx.out(formatIssue({ ...w, file, message: `warning: ${w.message}` }) + "\n");
        }
        ctx.out(`ok ${file} (${summary(loaded)})\n`);
      }
    });
  policy
    .command("show")
    .description("Show a policy's rules, one endpoint per line (OpenShell rendering)")
    .argument("<file>", "policy YAML file")
    .option("--json", "print the validated policy as JSON")
    .action(async (file, options) => {
      const loaded = await load(ctx, file, (line) => ctx.err(line + "\n"));
      if (!loaded) return;
      if (options.json) ctx.out(JSON.stringify(loaded.policy, null, 2) + "\n");
      else ctx.out(render(file, loaded));
    });
}

/**
 * Why the ceiling refuses policy `file`: its first grant outside, or that the ceiling cannot be
 * read; undefined when it fits, there is no ceiling, or `file` is the ceiling itself.
 */
async function outsideCeiling(
  ctx: CliContext,
  file: string,
  loaded: LoadedPolicy,
  ceilingFlag: string,
): Promise<string | undefined> {
  const path = resolveUserPath(ctx, file);
  const ceiling = resolveUserPath(ctx, ceilingFlag);
  const same = await Promise.all([path, ceiling].map((p) => Deno.realPath(p).catch(() => p)));
  if (same[0] === same[1]) return undefined;
  return await refuseOutsideCeiling(ceiling, loaded.policy);
}

/** Load one file; on failure print its issues (file as typed) and set exit code 1. */
async function load(
  ctx: CliContext,
  file: string,
  print: (line: string) => void,
): Promise<LoadedPolicy | undefined> {
  try {
    return await loadPolicyFile(resolveUserPath(ctx, file));
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    for (const issue of error.issues) print(formatIssue({ ...issue, file }));
    ctx.setExitCode(1);
    return undefined;
  }
}

function summary(loaded: LoadedPolicy): string {
  const n = Object.keys(loaded.policy.network_policies).length;
  return `${n} ${n === 1 ? "rule" : "rules"}, revision ${loaded.policy.revision}, hash ${
    loaded.hash.slice(0, 12)
  }`;
}

function render(file: string, loaded: LoadedPolicy): string {
  const lines = [
    `Policy:   ${basename(file, extname(file))} (${file})`,
    `Revision: ${loaded.policy.revision}`,
    `Hash:     ${loaded.hash.slice(0, 12)}`,
  ];
  const rules = Object.entries(loaded.policy.network_policies);
  if (rules.length === 0) lines.push("", "No network rules: every connection is denied");
  for (const [key, rule] of rules) {
    lines.push("", rule.name === undefined ? key : `${key} (${rule.name})`);
    for (const ep of rule.endpoints) {
      lines.push(`  Endpoint: ${formatEndpoint(ep)}`);
      const extras = endpointExtras(ep);
      if (extras) lines.push(`            ${extras}`);
    }
    for (const b of rule.binaries ?? [{ path: ANY_BINARY }]) lines.push(`  Binary:   ${b.path}`);
  }
  return lines.join("\n") + "\n";
}

/** What OpenShell's one-line rendering leaves out but a reviewer needs to see. */
function endpointExtras(ep: Endpoint): string {
  const out: string[] = [];
  if (ep.enforcement === "audit") out.push("audit mode (denials are logged, not enforced)");
  if (ep.tls === "skip") {
    out.push(
      ep.protocol === "rest" ? "tls: skip ignored (rules enforced)" : "tls: skip (never inspected)",
    );
  }
  if (ep.access === "allow") out.push(`access "allow" grants nothing`);
  if (ep.allowed_ips?.length) out.push(`allowed_ips: ${ep.allowed_ips.join(", ")}`);
  if (ep.allow_encoded_slash) out.push("encoded slashes allowed");
  return out.join("; ");
}
