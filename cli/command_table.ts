/**
 * The command table: each command group's name, its line in the top-level help and a typed
 * loader of its module. `tollgate --version`, `--help` and a mistyped command are answered
 * from this table alone; a group's module (and the proxy or gateway modules it imports) is
 * imported only when that group runs.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";

/** Adds one command group to the program. */
export type Register = (program: Command, ctx: CliContext) => void;

/** One command group of the table. */
export interface CommandEntry {
  /** Its term in the top-level help, as commander writes it (`ca [options]`, `init [dir]`). */
  readonly term: string;
  /** Its description, the same words its module registers (a test compares the two helps). */
  readonly description: string;
  /** Import the group's module and return the function that registers it. */
  load(): Promise<Register>;
}

/** The program's description, in the top-level help. */
export const PROGRAM_DESCRIPTION = "Agent-driven network policy management for AI agents";

/**
 * Import a command module by a computed specifier. A literal `import("./x.ts")` makes Deno
 * read and parse that module's whole import graph when this file loads, even when it is never
 * called; the `typeof import` type keeps the module's types.
 */
function load<T>(path: string): Promise<T> {
  return import(new URL(path, import.meta.url).href);
}

type Module<K extends string> = { readonly [name in K]: Register };

/** A table entry whose loader returns `name` of the module at `path`. */
function entry<K extends string>(
  term: string,
  description: string,
  loader: () => Promise<Module<K>>,
  name: K,
): CommandEntry {
  return { term, description, load: async () => (await loader())[name] };
}

/**
 * Every command group, by its name on the command line, in the order the help lists them
 * (sorted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMMANDS } from "./command_table.ts";
 * assert.equal(COMMANDS.proposals?.term, "proposals");
 * assert.equal(typeof (await COMMANDS.init!.load()), "function");
 * ```
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  ca: entry(
    "ca [options]",
    "Print the path of the proxy's CA certificate (created on first use)",
    () => load<typeof import("./ca_command.ts")>("./ca_command.ts"),
    "registerCaCommands",
  ),
  ceiling: entry(
    "ceiling",
    "Check sandbox policies against the org ceiling",
    () => load<typeof import("./ceiling_command.ts")>("./ceiling_command.ts"),
    "registerCeilingCommands",
  ),
  gateway: entry(
    "gateway [options]",
    "Run the gateway: proposals API, approvals, reload push",
    () => load<typeof import("./gateway_command.ts")>("./gateway_command.ts"),
    "registerGatewayCommands",
  ),
  init: entry(
    "init [dir]",
    "Start a Tollgate project: policies/ with a starting policy, .gitignore, a Git repository",
    () => load<typeof import("./init_command.ts")>("./init_command.ts"),
    "registerInitCommands",
  ),
  leases: entry(
    "leases",
    "List, revoke and clean up scoped rules (once, lease, session)",
    () => load<typeof import("./leases_command.ts")>("./leases_command.ts"),
    "registerLeasesCommands",
  ),
  logs: entry(
    "logs [options]",
    "Show the OCSF log as shorthand lines, oldest first",
    () => load<typeof import("./logs_command.ts")>("./logs_command.ts"),
    "registerLogsCommands",
  ),
  policy: entry(
    "policy",
    "Validate and show policy files",
    () => load<typeof import("./policy_command.ts")>("./policy_command.ts"),
    "registerPolicyCommands",
  ),
  proposals: entry(
    "proposals",
    "Review, approve and reject proposals",
    () => load<typeof import("./proposals_command.ts")>("./proposals_command.ts"),
    "registerProposalsCommands",
  ),
  proxy: entry(
    "proxy [options]",
    "Run the enforcing proxy for one sandbox policy (POLICIES/NAME.yaml)",
    () => load<typeof import("./proxy_command.ts")>("./proxy_command.ts"),
    "registerProxyCommands",
  ),
  remote: entry(
    "remote",
    "Manage the shared policy remote",
    () => load<typeof import("./remote_command.ts")>("./remote_command.ts"),
    "registerRemoteCommands",
  ),
  reviewers: entry(
    "reviewers",
    "Manage the reviewer credentials that may approve and reject over the API",
    () => load<typeof import("./reviewers_command.ts")>("./reviewers_command.ts"),
    "registerReviewersCommands",
  ),
  rule: entry(
    "rule",
    "Show proposed network rules",
    () => load<typeof import("./rule_command.ts")>("./rule_command.ts"),
    "registerRuleCommands",
  ),
  sandbox: entry(
    "sandbox",
    "Run commands whose only way out is a Tollgate proxy",
    () => load<typeof import("./sandbox_command.ts")>("./sandbox_command.ts"),
    "registerSandboxCommands",
  ),
  up: entry(
    "up [options]",
    "Run the gateway and one sandbox's proxy in one process (embedded default)",
    () => load<typeof import("./up_command.ts")>("./up_command.ts"),
    "registerUpCommands",
  ),
};
