/**
 * What `sandbox run` says about isolation before the command starts: the env-mode warning,
 * or the one-line netns notice.
 *
 * @module
 */

import type { FilesystemPlan } from "./filesystem_plan.ts";

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
  /** The bound on its processes and threads; undefined: none could be set (root, no cgroup). */
  maxProcesses?: number;
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
 * assert.match(isolationNotice(3128, [], { maxProcesses: 4096 }), /at most 4096 processes/);
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
  const processes = options.maxProcesses === undefined
    ? "NO process limit: run as root, and no pids cgroup could be made here"
    : `at most ${options.maxProcesses} processes and threads`;
  return `sandbox: private network namespace, its only way out is the Tollgate proxy ` +
    `(127.0.0.1:${innerPort}; ${transparent}); the Tollgate CA is in its system trust store; ` +
    `${filesClause(options.files ?? { kind: "none" }, options.asRoot === true)}` +
    `${options.freshHome ? ", HOME a fresh empty directory" : ""}` +
    `${options.ownTmp ? ", /tmp its own" : ""}; ${filter}; ${processes}`;
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
