/**
 * What a policy's `filesystem_policy` lets a sandboxed command reach, as OpenShell reads it:
 * the listed paths only, `read_only` ones to read and execute, `read_write` ones (and the
 * working directory with `include_workdir`) for everything; enforced with Landlock
 * (`confine_exec.ts`). And the Landlock access rights each list stands for.
 *
 * @module
 */

import type { Policy } from "../policy/mod.ts";
import { within } from "./_within.ts";

/** The paths a sandboxed command may reach, once Landlock restricts it. */
export interface FilesystemRules {
  /** Read, list and execute beneath each. */
  readOnly: string[];
  /** Every handled right beneath each. */
  readWrite: string[];
  /** `landlock.compatibility: hard_requirement`: no Landlock, or a missing path, stops the run. */
  hard: boolean;
}

/** What the runner adds to the policy's lists: the working directory and the paths it shows. */
export interface FilesystemContext {
  /** The command's working directory (for `include_workdir`). */
  workdir: string;
  /**
   * Paths added read-only unless the policy lists them (only ones that exist): the baseline
   * every process needs ({@linkcode BASELINE_READ_ONLY}) and Tollgate's own files (its CA,
   * the skill, the DNS files).
   */
  readOnly: string[];
  /** Paths added read-write unless the policy lists them (only ones that exist). */
  readWrite: string[];
}

/**
 * What OpenShell adds read-only to a proxied sandbox's `filesystem_policy` (its "baseline":
 * the dynamic linker and libraries, DNS and CA files, process information, random bytes), with
 * the directories a host that has not merged `/usr` keeps them in, and the other harmless
 * devices a shell script reads.
 */
export const BASELINE_READ_ONLY: readonly string[] = [
  "/usr",
  "/lib",
  "/etc",
  "/app",
  "/var/log",
  "/proc",
  "/dev/urandom",
  // Not in OpenShell's list (its images merge /usr): where unmerged hosts keep binaries.
  "/bin",
  "/sbin",
  "/lib64",
  "/dev/random",
  "/dev/zero",
];

/** What OpenShell adds read-write, and `/dev/null`, which `2>/dev/null` needs. */
export const BASELINE_READ_WRITE: readonly string[] = ["/tmp", "/dev/null"];

/**
 * The rules of `policy`'s `filesystem_policy`, or `undefined` when there is none. As OpenShell
 * does for a proxied sandbox, `context`'s paths are added (the baseline and Tollgate's own
 * files), and `include_workdir` adds the working directory read-write. A path the policy
 * already lists keeps the policy's access.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filesystemRules } from "./filesystem_rules.ts";
 *
 * const context = { workdir: "/work", readOnly: ["/usr", "/state/public"], readWrite: ["/tmp"] };
 * assert.equal(filesystemRules({}, context), undefined);
 * const policy = {
 *   filesystem_policy: { include_workdir: true, read_only: ["/opt", "/tmp"] },
 * };
 * assert.deepEqual(filesystemRules(policy, context), {
 *   readOnly: ["/opt", "/tmp", "/usr", "/state/public"],
 *   readWrite: ["/work"],
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
  const listed = (path: string) => readOnly.includes(path) || readWrite.includes(path);
  if (section.include_workdir && !readWrite.includes(context.workdir)) {
    readWrite.push(context.workdir);
  }
  for (const path of context.readOnly) if (!listed(path)) readOnly.push(path);
  for (const path of context.readWrite) if (!listed(path)) readWrite.push(path);
  return { readOnly, readWrite, hard: policy.landlock?.compatibility === "hard_requirement" };
}

/**
 * Whether `rules` let the command reach `path` (some listed path is it or one of its parents).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reaches } from "./filesystem_rules.ts";
 *
 * const rules = { readOnly: ["/usr"], readWrite: ["/home/ann/"], hard: false };
 * assert.ok(reaches(rules, "/home/ann/.npm"));
 * assert.ok(!reaches(rules, "/home/annex"));
 * ```
 */
export function reaches(rules: FilesystemRules, path: string): boolean {
  // A folder listed with its trailing "/" is reached by its path without one too.
  return [...rules.readOnly, ...rules.readWrite].some((listed) =>
    within(path, listed) || `${path}/` === listed
  );
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
