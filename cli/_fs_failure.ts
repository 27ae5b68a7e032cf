/**
 * The runtime's file-system errors as one line that says what to do. Deno's own text
 * ("Read-only file system (os error 30): mkdir '/srv/st/ca'") names the system call, not the
 * remedy; most of what Tollgate writes is under `--state`, so the line points there.
 *
 * @module
 */

/** The errors a person can fix, by `code`: what is wrong and what to do about it. */
const PROBLEMS: Readonly<Record<string, readonly [string, string]>> = {
  EROFS: ["the file system is read-only", "make it writable"],
  EACCES: ["permission denied", "fix its permissions"],
  EPERM: ["permission denied", "fix its permissions"],
  ENOTDIR: ["a part of its path is a file, not a directory", "fix the path"],
  ENOSPC: ["no space left on the device", "free some space"],
  EDQUOT: ["the disk quota is exceeded", "free some space"],
  ENOENT: ["no such file or directory", "fix the path"],
};

/** How a system call in Deno's message is said to a person. */
const VERBS: Readonly<Record<string, string>> = {
  mkdir: "create",
  open: "open",
  readfile: "read",
  readdir: "read",
  stat: "read",
  lstat: "read",
  realpath: "read",
};

/**
 * One line for a file-system error Tollgate cannot get past (a read-only, foreign or full
 * state directory), or undefined for any other error. `stateFlag`: the command has `--state`,
 * so the line offers it (`init` has none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileSystemFailure } from "./_fs_failure.ts";
 *
 * const readOnly = Object.assign(
 *   new Error("Read-only file system (os error 30): mkdir '/srv/st/ca'"),
 *   { code: "EROFS" },
 * );
 * assert.equal(
 *   fileSystemFailure(readOnly),
 *   'Cannot create "/srv/st/ca": the file system is read-only; make it writable or pass ' +
 *     "another --state DIR",
 * );
 * assert.equal(
 *   fileSystemFailure(readOnly, false),
 *   'Cannot create "/srv/st/ca": the file system is read-only; make it writable',
 * );
 * assert.equal(fileSystemFailure(new Error("policy not found")), undefined);
 * ```
 */
export function fileSystemFailure(error: unknown, stateFlag = true): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const problem = typeof code === "string" ? PROBLEMS[code] : undefined;
  const [, call, path] = error.message.match(/\(os error \d+\): (\w+) '([^\n]*)'$/) ?? [];
  if (problem === undefined || call === undefined || path === undefined) return undefined;
  const [what, remedy] = problem;
  const verb = VERBS[call] ?? "write";
  const instead = stateFlag ? " or pass another --state DIR" : "";
  return `Cannot ${verb} ${JSON.stringify(path)}: ${what}; ${remedy}${instead}`;
}
