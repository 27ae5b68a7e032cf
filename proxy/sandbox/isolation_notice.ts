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
}

/**
 * The one line `sandbox run` prints in netns mode: how the command is kept in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isolationNotice } from "./isolation_notice.ts";
 * assert(isolationNotice(3128, [80, 443]).includes("ports 80,443"));
 * const files = { kind: "unenforced" as const, why: "ENOSYS" };
 * assert.match(isolationNotice(3128, [], { files }), /NOT enforced/);
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
    `${filesClause(options.files ?? { kind: "none" })}` +
    `${options.freshHome ? ", HOME a fresh empty directory" : ""}; ${filter}`;
}

function filesClause(files: FilesystemPlan): string {
  if (files.kind === "landlock") return "files: only its policy's filesystem_policy paths";
  if (files.kind === "unenforced") {
    return `filesystem_policy NOT enforced: no Landlock in this kernel (${files.why})`;
  }
  return "files: yours, but for Tollgate's state and the policies (no filesystem_policy)";
}
