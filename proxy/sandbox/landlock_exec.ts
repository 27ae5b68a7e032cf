/**
 * The last step before a netns sandbox's command, when its policy has a `filesystem_policy`:
 * run by `deno run` inside the sandbox (after bwrap's mounts and syscall filter, which
 * Landlock would forbid), it restricts itself to the policy's paths with Landlock and then
 * becomes the command (`execvp`: same process, so the command's ancestry does not change).
 *
 * `deno run -A landlock_exec.ts RULES_JSON -- COMMAND ARGS...`, RULES_JSON being
 * {@linkcode FilesystemRules} plus `abi`. Every failure is one line on standard error and exit
 * 126 (127 when the command is not found).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { FilesystemRules } from "./filesystem_rules.ts";
import { execCommand, openLibc, restrictSelf } from "./_landlock.ts";

/** What the runner hands the script: the rules and the kernel's Landlock ABI it probed. */
export interface LandlockExecSpec extends FilesystemRules {
  /** The kernel's Landlock ABI version (which rights a ruleset may handle). */
  abi: number;
  /** Variables to give the command back: their value, or null to unset (the step's own). */
  restore?: Record<string, string | null>;
}

/**
 * The script's arguments for `spec` and `command`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { landlockExecArgs } from "./landlock_exec.ts";
 *
 * const spec = { readOnly: ["/usr"], readWrite: ["/tmp"], hard: false, abi: 3, restore: {} };
 * const args = landlockExecArgs(spec, ["ls", "-l"]);
 * assert.deepEqual(args.slice(-3), ["--", "ls", "-l"]);
 * assert.deepEqual(JSON.parse(args.at(-4)!), spec);
 * ```
 */
export function landlockExecArgs(spec: LandlockExecSpec, command: string[]): string[] {
  return [
    "run",
    "--quiet",
    "--no-config",
    "--no-lock",
    "--allow-ffi",
    "--allow-read",
    "--allow-env",
    fileURLToPath(import.meta.url),
    JSON.stringify(spec),
    "--",
    ...command,
  ];
}

function main(args: string[]): number {
  const spec = JSON.parse(args[0]!) as LandlockExecSpec;
  const command = args.slice(2);
  const libc = openLibc();
  try {
    const missing = restrictSelf(libc.symbols, spec, spec.abi);
    if (spec.hard && missing.length > 0) {
      return fail(`filesystem_policy names paths that do not exist: ${missing.join(", ")}`);
    }
  } catch (error) {
    return fail((error as Error).message);
  }
  // Deno's env API changes the C environment that execvp passes on.
  for (const [name, value] of Object.entries(spec.restore ?? {})) {
    if (value === null) Deno.env.delete(name);
    else Deno.env.set(name, value);
  }
  const { code, message } = execCommand(libc.symbols, command);
  return fail(
    `cannot run "${command[0]}": ${message} (filesystem_policy must let it be read and executed)`,
    code,
  );
}

function fail(line: string, code = 126): number {
  console.error(`tollgate sandbox: ${line}`);
  return code;
}

if (import.meta.main) Deno.exit(main(Deno.args));
