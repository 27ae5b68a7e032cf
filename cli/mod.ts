/**
 * The `tollgate` command line, composed from the proxy and gateway modules.
 *
 * @module
 */

export { runCli } from "./run_cli.ts";
export { buildProgram } from "./run_program.ts";
export type { CommandGroup } from "./context.ts";
export type { CliContext } from "./context.ts";
