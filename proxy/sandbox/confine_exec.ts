/**
 * The last step before a netns sandbox's command, when its policy has a `filesystem_policy` or
 * no bubblewrap loaded the syscall filter: run by `deno run` inside the sandbox (after the
 * mounts, which Landlock would forbid), it restricts itself to the policy's paths with
 * Landlock, loads the syscall filter, and then becomes the command (`execvp`: same process,
 * so the command's ancestry does not change), in its cgroups and at its nice.
 *
 * `deno run confine_exec.ts SPEC_JSON -- COMMAND ARGS...` ({@linkcode ConfineSpec}; see
 * `confineExecArgs()`). It imports nothing it does not need: a `node:` module would cost the
 * step half its time. Every failure is one line on standard error and exit
 * 126 (127 when the command is not found).
 *
 * @module
 */

import type { FilesystemRules } from "./filesystem_rules.ts";
import {
  awaitGate,
  execCommand,
  loadSyscallFilter,
  openLibc,
  restrictSelf,
  takeBounds,
} from "./_libc.ts";

/** What the runner hands the script. */
export interface ConfineSpec {
  /** Landlock's rules and the kernel's ABI version the runner probed; none: no Landlock. */
  landlock?: FilesystemRules & { abi: number };
  /**
   * The syscall filter (`syscallFilter()`), base64, when no bubblewrap loaded it: the step
   * loads it last, just before it becomes the command.
   */
  seccomp?: string;
  /** Variables to give the command back: their value, or null to unset (the step's own). */
  restore?: Record<string, string | null>;
  /**
   * The descriptor of the sandbox's gate: the step becomes the command only once it reads `go`
   * there (the forwarder listens), and exits 1 when it ends first; none: at once.
   */
  gateFd?: number;
  /**
   * The command's nice, and the descriptors the setup script opened on its cgroups' `cgroup.procs`
   * (`GROUP_FDS`): joined, closed and taken after the gate, as the step becomes the command.
   */
  bounds?: { nice: number; groupFds: number[] };
}

function main(args: string[]): number {
  const spec = JSON.parse(args[0]!) as ConfineSpec;
  const command = args.slice(2);
  const libc = openLibc();
  try {
    const rules = spec.landlock;
    const missing = rules === undefined ? [] : restrictSelf(libc.symbols, rules, rules.abi);
    if (rules?.hard && missing.length > 0) {
      return fail(`filesystem_policy names paths that do not exist: ${missing.join(", ")}`);
    }
    // Deno's env API changes the C environment that execvp passes on.
    for (const [name, value] of Object.entries(spec.restore ?? {})) {
      if (value === null) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
    if (spec.seccomp !== undefined) {
      loadSyscallFilter(libc.symbols, Uint8Array.from(atob(spec.seccomp), (c) => c.charCodeAt(0)));
    }
  } catch (error) {
    return fail((error as Error).message);
  }
  // Last: all of the above was done while the forwarder's Deno started.
  if (spec.gateFd !== undefined && !awaitGate(libc.symbols, spec.gateFd)) {
    return fail("the sandbox's forwarder did not start", 1);
  }
  // Only now the command's bounds: the step's own start ran at the runner's priority.
  try {
    if (spec.bounds !== undefined) takeBounds(libc.symbols, spec.bounds);
  } catch (error) {
    return fail((error as Error).message);
  }
  const { code, message } = execCommand(libc.symbols, command);
  const why = spec.landlock ? " (filesystem_policy must let it be read and executed)" : "";
  return fail(`cannot run "${command[0]}": ${message}${why}`, code);
}

function fail(line: string, code = 126): number {
  console.error(`tollgate sandbox: ${line}`);
  return code;
}

if (import.meta.main) Deno.exit(main(Deno.args));
