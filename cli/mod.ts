/**
 * The `tollgate` command line, composed from the proxy and gateway modules.
 *
 * @module
 */

export { buildProgram, runCli } from "./run_cli.ts";
export type { CommandGroup } from "./context.ts";
export { CliFailure, missingSubcommand, resolveUserPath, UsageError, useColor } from "./context.ts";
export type { CliContext } from "./context.ts";
