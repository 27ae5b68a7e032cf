/**
 * What a policy's `filesystem_policy` lets a sandboxed command reach, as OpenShell reads it:
 * the listed paths only, `read_only` ones to read and execute, `read_write` ones (and the
 * working directory with `include_workdir`) for everything; enforced with Landlock
 * (`landlock_exec.ts`). And the Landlock access rights each list stands for.
 *
 * @module
 */

import type { Policy } from "../policy/mod.ts";

/** The paths a sandboxed command may reach, once Landlock restricts it. */
export interface FilesystemRules {
  /** Read, list and execute beneath each. */
  readOnly: string[];
  /** Every handled right beneath each. */
  readWrite: string[];
  /** `landlock.compatibility: hard_requirement`: no Landlock, or a missing path, stops the run. */
  hard: boolean;
}

/** What the runner adds to the policy's lists: the command's working directory and its own files. */
export interface FilesystemContext {
  /** The command's working directory (for `include_workdir`). */
  workdir: string;
  /** Paths Tollgate itself shows the command, read-only (its CA files, the skill, DNS files). */
  tollgatePaths: string[];
}

/**
 * The rules of `policy`'s `filesystem_policy`, or `undefined` when it restricts nothing (no
 * section, or no path in it once `include_workdir` is counted, as in OpenShell). Tollgate's own
 * files are added read-only so that the command can still trust the proxy and read the skill.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filesystemRules } from "./filesystem_rules.ts";
 *
 * const context = { workdir: "/work", tollgatePaths: ["/state/public"] };
 * assert.equal(filesystemRules({}, context), undefined);
 * const policy = {
 *   filesystem_policy: { include_workdir: true, read_only: ["/usr"], read_write: ["/tmp"] },
 * };
 * assert.deepEqual(filesystemRules(policy, context), {
 *   readOnly: ["/usr", "/state/public"],
 *   readWrite: ["/tmp", "/work"],
 *   hard: false,
 * });
 * ```
 */
export function filesystemRules(
  policy: Pick<Policy, "filesystem_policy" | "landlock">,
  context: FilesystemContext,
): FilesystemRules | undefined {
  const section = policy.filesystem_policy;
  if (section === undefined) return undefined;
  const readOnly = [...(section.read_only ?? [])];
  const readWrite = [...(section.read_write ?? [])];
  if (section.include_workdir && !readWrite.includes(context.workdir)) {
    readWrite.push(context.workdir);
  }
  if (readOnly.length === 0 && readWrite.length === 0) return undefined;
  for (const path of context.tollgatePaths) if (!readOnly.includes(path)) readOnly.push(path);
  return { readOnly, readWrite, hard: policy.landlock?.compatibility === "hard_requirement" };
}

/** Landlock's filesystem access rights (`LANDLOCK_ACCESS_FS_*`, linux/landlock.h). */
export const ACCESS = {
  execute: 1n << 0n,
  writeFile: 1n << 1n,
  readFile: 1n << 2n,
  readDir: 1n << 3n,
  /** ABI 2: link or rename a file into another directory. */
  refer: 1n << 13n,
  /** ABI 3: truncate(2), ftruncate(2) and open with O_TRUNC. */
  truncate: 1n << 14n,
} as const;

/** Every right of ABI 1: execute, write, read, list, and removing or making any kind of file. */
const ABI1_ALL = (1n << 13n) - 1n;
/** The rights that apply to a file that is not a directory. */
const FILE_RIGHTS = ACCESS.execute | ACCESS.writeFile | ACCESS.readFile | ACCESS.truncate;

/**
 * The rights a ruleset handles on a kernel of Landlock ABI `abi` (≥ 1), and those a
 * `read_only` or `read_write` rule grants beneath a directory or on a file. Rights the ruleset
 * does not handle (device ioctls, from ABI 5) stay allowed everywhere, as in OpenShell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ACCESS, landlockAccess } from "./filesystem_rules.ts";
 *
 * const rights = landlockAccess(3);
 * assert.equal(rights.readOnly(true), ACCESS.execute | ACCESS.readFile | ACCESS.readDir);
 * assert.equal(rights.readWrite(false) & ACCESS.readDir, 0n); // a file cannot be listed
 * assert.equal(landlockAccess(1).handled & ACCESS.truncate, 0n);
 * ```
 */
export function landlockAccess(abi: number): {
  handled: bigint;
  readOnly: (directory: boolean) => bigint;
  readWrite: (directory: boolean) => bigint;
} {
  const handled = ABI1_ALL | (abi >= 2 ? ACCESS.refer : 0n) | (abi >= 3 ? ACCESS.truncate : 0n);
  const read = ACCESS.execute | ACCESS.readFile | ACCESS.readDir;
  const fit = (rights: bigint, directory: boolean) =>
    rights & handled & (directory ? handled : FILE_RIGHTS);
  return {
    handled,
    readOnly: (directory) => fit(read, directory),
    readWrite: (directory) => fit(handled, directory),
  };
}
