/**
 * What `sandbox run` says about isolation before the command starts: the env-mode warning,
 * or the one-line netns notice.
 *
 * @module
 */

import type { FilesystemPlan } from "./filesystem_plan.ts";
import type { SandboxLimits } from "./sandbox_limits.ts";

/** What `--isolate env` says, once, before the command starts. */
export const ENV_MODE_WARNING: string =
  "warning: --isolate env sets proxy variables only; it is not a security boundary: nothing " +
  "stops the command from connecting directly or from reading and changing the runner's " +
  "files (the state directory and the policies included)";

/** Options of {@linkcode isolationNotice}. */
export interface NoticeOptions {
  /** How its files are confined (see `planFilesystem`); by default, no `filesystem_policy`. */
  files?: FilesystemPlan;
  /** Whether its HOME is a fresh directory (the policy's paths do not reach the runner's). */
  freshHome?: boolean;
  /** Whether its /tmp is an empty one of its own, not the host's (see `ownsTmp()`). */
  ownTmp?: boolean;
  /** Whether the runner is root, whose files are every file of the machine. */
  asRoot?: boolean;
  /** Its bounds on processes, CPU and memory (see `sandboxLimits()`); undefined: none. */
  limits?: Omit<SandboxLimits, "remove" | "cgroupProcs" | "tmpfs">;
}

/**
 * The one line `sandbox run` prints in netns mode: how the command is kept in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isolationNotice } from "./isolation_notice.ts";
 * assert(isolationNotice(3128, [80, 443]).includes("ports 80,443"));
 * const unenforced = { kind: "unenforced" as const, why: "ENOSYS" };
 * assert.match(isolationNotice(3128, [], { files: unenforced }), /NOT enforced/);
 * assert.match(isolationNotice(3128, [], { asRoot: true }), /run as root, .* every file/);
 * const limits = {
 *   maxProcesses: 4096,
 *   processesBounded: true,
 *   nice: 10,
 *   cpuGroup: false,
 *   maxMemoryMb: 2048,
 *   memoryBounded: false,
 * };
 * assert.match(isolationNotice(3128, [], { limits }), /at most 4096 processes/);
 * assert.match(isolationNotice(3128, [], { limits }), /memory NOT bounded/);
 * const files = { kind: "landlock" as const, abi: 4, sections: { filesystem_policy: {} } };
 * assert.match(isolationNotice(3128, [], { files, ownTmp: true }), /_policy paths, \/tmp its own;/);
 * ```
 */
export function isolationNotice(
  innerPort: number,
  capturePorts: number[],
  options: NoticeOptions = {},
): string {
  const transparent = capturePorts.length === 0
    ? "transparent mode off"
    : `connections to looked-up names on ports ${capturePorts.join(",")} are captured too`;
  const filter = "ptrace and the other syscalls that reach into another process are refused";
  return `sandbox: private network namespace, its only way out is the Tollgate proxy ` +
    `(127.0.0.1:${innerPort}; ${transparent}); the Tollgate CA is in its system trust store; ` +
    `${filesClause(options.files ?? { kind: "none" }, options.asRoot === true)}` +
    `${options.freshHome ? ", HOME a fresh empty directory" : ""}` +
    `${options.ownTmp ? ", /tmp its own" : ""}; ${filter}; ${limitsClause(options)}`;
}

/** What bounds its processes, CPU and memory; "NOT" for each that nothing bounds. */
function limitsClause(options: NoticeOptions): string {
  const limits = options.limits;
  if (limits === undefined) return "NO process, CPU or memory limit";
  const processes = limits.processesBounded
    ? `at most ${limits.maxProcesses} processes and threads`
    : "NO process limit: run as root, and no pids cgroup could be made here";
  // Without a cpu cgroup, a process that starts a session of its own escapes the nice where
  // the kernel weighs sessions against each other (sched_autogroup).
  const cpu = limits.cpuGroup
    ? `CPU weighed as one process at nice ${limits.nice}`
    : `nice ${limits.nice}`;
  const why = options.asRoot ? "no memory cgroup could be made here" : "not run as root";
  const memory = limits.memoryBounded
    ? `at most ${limits.maxMemoryMb} MiB of memory`
    : `memory NOT bounded (${why}; the OOM killer ends it first)`;
  return `${processes}, ${cpu}, ${memory}`;
}

function filesClause(files: FilesystemPlan, asRoot: boolean): string {
  if (files.kind === "landlock") return "files: only its policy's filesystem_policy paths";
  // Root's files are the machine's: its binaries, /etc/ld.so.preload, every user's home.
  const root = asRoot ? "; run as root, yours are every file of this machine" : "";
  if (files.kind === "unenforced") {
    return `filesystem_policy NOT enforced: no Landlock in this kernel (${files.why})${root}`;
  }
  return `files: yours, but for Tollgate's state and the policies (no filesystem_policy${root})`;
}
