/**
 * The last step before a netns sandbox's command, when its policy has a `filesystem_policy`:
 * run by `deno run` inside the sandbox (after bwrap's mounts and syscall filter, which
 * Landlock would forbid), it restricts itself to the policy's paths with Landlock and then
 * becomes the command (`execvp`: same process, so the command's ancestry does not change).
 *
 * `deno run landlock_exec.ts SPEC_JSON -- COMMAND ARGS...` ({@linkcode LandlockExecSpec}; see
 * `landlockExecArgs()`). It imports nothing it does not need: a `node:` module would cost the
 * step half its time. Every failure is one line on standard error and exit
 * 126 (127 when the command is not found).
 *
 * @module
 */

import type { FilesystemRules } from "./filesystem_rules.ts";
import { execCommand, openLibc, restrictSelf } from "./_landlock.ts";

/** What the runner hands the script: the rules and the kernel's Landlock ABI it probed. */
export interface LandlockExecSpec extends FilesystemRules {
  /** The kernel's Landlock ABI version (which rights a ruleset may handle). */
  abi: number;
  /** Variables to give the command back: their value, or null to unset (the step's own). */
  restore?: Record<string, string | null>;
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
