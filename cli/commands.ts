/**
 * The list of command groups; each module registers its own subcommands.
 *
 * @module
 */

import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import { registerCaCommands } from "./ca_command.ts";
import { registerCeilingCommands } from "./ceiling_command.ts";
import { registerGatewayCommands } from "./gateway_command.ts";
import { registerInitCommands } from "./init_command.ts";
import { registerLeasesCommands } from "./leases_command.ts";
import { registerLogsCommands } from "./logs_command.ts";
import { registerPolicyCommands } from "./policy_command.ts";
import { registerProposalsCommands } from "./proposals_command.ts";
import { registerProxyCommands } from "./proxy_command.ts";
import { registerRemoteCommands } from "./remote_command.ts";
import { registerReviewersCommands } from "./reviewers_command.ts";
import { registerRuleCommands } from "./rule_command.ts";
import { registerSandboxCommands } from "./sandbox_command.ts";
import { registerUpCommands } from "./up_command.ts";

/** Register every command group on the program. */
export function registerCommands(program: Command, ctx: CliContext): void {
  // One line per command group (keep sorted): registerXCommands(program, ctx);
  registerCaCommands(program, ctx);
  registerCeilingCommands(program, ctx);
  registerGatewayCommands(program, ctx);
  registerInitCommands(program, ctx);
  registerLeasesCommands(program, ctx);
  registerLogsCommands(program, ctx);
  registerPolicyCommands(program, ctx);
  registerProposalsCommands(program, ctx);
  registerProxyCommands(program, ctx);
  registerRemoteCommands(program, ctx);
  registerReviewersCommands(program, ctx);
  registerRuleCommands(program, ctx);
  registerSandboxCommands(program, ctx);
  registerUpCommands(program, ctx);
}
