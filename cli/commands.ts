/**
 * The list of command groups, each loaded only when it runs: a command group's module (and
 * the proxy or gateway modules it imports) is imported for that group alone, so
 * `tollgate --version` loads no group and `tollgate proposals list` loads only `proposals`.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";

type Register = (program: Command, ctx: CliContext) => void;

/**
 * Import a command module by a computed specifier. A literal `import("./x.ts")` makes Deno
 * read and parse that module's whole import graph at start-up, even when it is never called
 * (about 60 ms here for all groups); the `typeof import` type keeps the module's types.
 */
function load<T>(path: string): Promise<T> {
  return import(new URL(path, import.meta.url).href);
}

/** Each command group's loader, by its name on the command line (keep sorted). */
const GROUPS: Record<string, () => Promise<Register>> = {
  ca: async () =>
    (await load<typeof import("./ca_command.ts")>("./ca_command.ts")).registerCaCommands,
  ceiling: async () =>
    (await load<typeof import("./ceiling_command.ts")>("./ceiling_command.ts"))
      .registerCeilingCommands,
  gateway: async () =>
    (await load<typeof import("./gateway_command.ts")>("./gateway_command.ts"))
      .registerGatewayCommands,
  init: async () =>
    (await load<typeof import("./init_command.ts")>("./init_command.ts")).registerInitCommands,
  leases: async () =>
    (await load<typeof import("./leases_command.ts")>("./leases_command.ts"))
      .registerLeasesCommands,
  logs: async () =>
    (await load<typeof import("./logs_command.ts")>("./logs_command.ts")).registerLogsCommands,
  policy: async () =>
    (await load<typeof import("./policy_command.ts")>("./policy_command.ts"))
      .registerPolicyCommands,
  proposals: async () =>
    (await load<typeof import("./proposals_command.ts")>("./proposals_command.ts"))
      .registerProposalsCommands,
  proxy: async () =>
    (await load<typeof import("./proxy_command.ts")>("./proxy_command.ts")).registerProxyCommands,
  remote: async () =>
    (await load<typeof import("./remote_command.ts")>("./remote_command.ts"))
      .registerRemoteCommands,
  reviewers: async () =>
    (await load<typeof import("./reviewers_command.ts")>("./reviewers_command.ts"))
      .registerReviewersCommands,
  rule: async () =>
    (await load<typeof import("./rule_command.ts")>("./rule_command.ts")).registerRuleCommands,
  sandbox: async () =>
    (await load<typeof import("./sandbox_command.ts")>("./sandbox_command.ts"))
      .registerSandboxCommands,
  up: async () =>
    (await load<typeof import("./up_command.ts")>("./up_command.ts")).registerUpCommands,
};

/**
 * The command groups `args` needs: the one it names; none for a lone `--version`; every
 * group otherwise (top-level help, an unknown command), so help lists them all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupsFor } from "./commands.ts";
 * assert.equal(groupsFor(["proposals", "list"]).join(), "proposals");
 * assert.equal(groupsFor(["--version"]).length, 0);
 * ```
 */
export function groupsFor(args: string[]): string[] {
  const first = args[0];
  if (first !== undefined && Object.hasOwn(GROUPS, first)) return [first];
  if (args.length === 1 && (first === "--version" || first === "-V")) return [];
  return Object.keys(GROUPS);
}

/**
 * Register the command groups `args` needs on the program (all of them by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerCommands } from "./commands.ts";
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
 * await registerCommands(program, ctx, ["proposals", "list"]);
 * assert(program.commands.some((c) => c.name() === "proposals"));
 * ```
 */
export async function registerCommands(
  program: Command,
  ctx: CliContext,
  args?: string[],
): Promise<void> {
  const names = args === undefined ? Object.keys(GROUPS) : groupsFor(args);
  const registers = await Promise.all(names.map((name) => GROUPS[name]!()));
  for (const register of registers) register(program, ctx);
}
