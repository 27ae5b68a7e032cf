/**
 * What a CLI command may touch, injected by `main.ts` (the only reader of `Deno.args` and
 * `Deno.env`), so commands run the same in tests and for a person.
 *
 * @module
 */

import { resolve } from "node:path";

/** The injected environment of one CLI run. */
export interface CliContext {
  /** Directory relative paths resolve against: `INIT_CWD` under `deno task`, else the cwd. */
  cwd: string;
  /** Environment variables the commands may read (e.g. `NO_COLOR`). */
  env: Record<string, string | undefined>;
  /** Write text to standard output (callers add the newline). */
  out(text: string): void;
  /** Write text to standard error (callers add the newline). */
  err(text: string): void;
  /** Standard output is a terminal. */
  isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop and clean up. */
  signal: AbortSignal;
  /** Set the process exit code (the highest code set wins). */
  setExitCode(code: number): void;
  /**
   * Ask the person at the terminal a yes/no question; absent where nobody can answer (tests,
   * pipes), and then a command that needs an answer asks for its flag (`--yes`) instead.
   */
  confirm?(question: string): boolean;
}

/** Bad usage of the CLI: exit code 2, one line. */
export class UsageError extends Error {
  /** Shown in stack traces and `error.name` instead of the generic `Error`. */
  override name = "UsageError";
  /** Exit code of a usage error. */
  readonly exitCode = 2;
}

/** What {@linkcode missingSubcommand} reads of a command group (a commander `Command`). */
export interface CommandGroup {
  /** The group's name. */
  name(): string;
  /** Its subcommands, in the order they were added. */
  readonly commands: readonly { name(): string }[];
}

/**
 * The usage error of a command group run without a subcommand, naming every subcommand it
 * has: read from the group itself, so a subcommand added later is never missing from it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { missingSubcommand } from "./context.ts";
 * const group = new Command("leases");
 * group.command("list");
 * group.command("revoke");
 * assert.equal(missingSubcommand(group).message, 'Missing subcommand: use "leases list|revoke"');
 * ```
 */
export function missingSubcommand(group: CommandGroup): UsageError {
  const names = group.commands.map((command) => command.name()).join("|");
  return new UsageError(`Missing subcommand: use "${group.name()} ${names}"`);
}

/** A failed operation: exit code 1, one line. */
export class CliFailure extends Error {
  /** Shown in stack traces and `error.name` instead of the generic `Error`. */
  override name = "CliFailure";
  /** Exit code of a failed operation. */
  readonly exitCode = 1;
}

/**
 * Resolve a path the user typed against the directory they ran the command from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveUserPath } from "./context.ts";
 * const ctx = { cwd: "/home/me" } as Parameters<typeof resolveUserPath>[0];
 * assert.equal(resolveUserPath(ctx, "policies"), "/home/me/policies");
 * ```
 */
export function resolveUserPath(ctx: Pick<CliContext, "cwd">, path: string): string {
  return resolve(ctx.cwd, path);
}

/**
 * True when colour may be used: on a terminal and without `NO_COLOR`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { useColor } from "./context.ts";
 * assert(!useColor({ isTTY: true, env: { NO_COLOR: "1" } }));
 * ```
 */
export function useColor(ctx: Pick<CliContext, "isTTY" | "env">): boolean {
  return ctx.isTTY && ctx.env.NO_COLOR === undefined;
}
