/**
 * What `sandbox run` says about isolation before the command starts: the env-mode warning,
 * or the one-line netns notice.
 *
 * @module
 */

/** What `--isolate env` says, once, before the command starts. */
export const ENV_MODE_WARNING: string =
  "warning: --isolate env sets proxy variables only; it is not a security boundary: nothing " +
  "stops the command from connecting directly or from reading and changing the runner's " +
  "files (the state directory and the policies included)";

/** Options of {@linkcode isolationNotice}. */
export interface NoticeOptions {
  /** Whether the command runs under the syscall filter (bubblewrap is installed). */
  syscallFilter: boolean;
}

/**
 * The one line `sandbox run` prints in netns mode: how the command is kept in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isolationNotice } from "./isolation_notice.ts";
 * assert(isolationNotice(3128, [80, 443]).includes("ports 80,443"));
 * assert(isolationNotice(3128, [], { syscallFilter: false }).endsWith("; no syscall filter: install bubblewrap"));
 * ```
 */
export function isolationNotice(
  innerPort: number,
  capturePorts: number[],
  options: NoticeOptions = { syscallFilter: true },
): string {
  const transparent = capturePorts.length === 0
    ? "transparent mode off"
    : `connections to looked-up names on ports ${capturePorts.join(",")} are captured too`;
  const filter = options.syscallFilter
    ? "ptrace and the other syscalls that reach into another process are refused"
    : "no syscall filter: install bubblewrap";
  return `sandbox: private network namespace, its only way out is the Tollgate proxy ` +
    `(127.0.0.1:${innerPort}; ${transparent}); the Tollgate CA is in its system trust store; ` +
    filter;
}
