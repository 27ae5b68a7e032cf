/**
 * The `tollgate` command line, composed from the proxy and gateway modules.
 *
 * @module
 */

export { buildProgram, runCli } from "./run_cli.ts";
export { CliFailure, resolveUserPath, UsageError, useColor } from "./context.ts";
export type { CliContext } from "./context.ts";
