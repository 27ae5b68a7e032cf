/**
 * Whether and how a netns sandbox enforces its policy's `filesystem_policy`, decided before
 * the command starts: with Landlock where the kernel has it; without it a `best_effort`
 * policy runs unconfined (the notice says so) and a `hard_requirement` one does not run.
 *
 * @module
 */

import { existsSync } from "node:fs";
import type { Policy } from "../policy/mod.ts";
import { landlockAbi, openLibc } from "./_libc.ts";
import {
  BASELINE_READ_ONLY,
  BASELINE_READ_WRITE,
  type FilesystemRules,
  filesystemRules,
} from "./filesystem_rules.ts";

/** The policy sections that confine files (static: read once, when the sandbox starts). */
export type FilesystemSections = Pick<Policy, "filesystem_policy" | "landlock">;

/** How the command's files are confined. */
export type FilesystemPlan =
  /** No `filesystem_policy`: the runner's user's files, but Tollgate's state and the policies. */
  | { kind: "none" }
  /** Landlock restricts the command to the policy's paths. */
  | { kind: "landlock"; abi: number; sections: FilesystemSections }
  /** `best_effort` on a kernel without Landlock (`why`): not confined. */
  | { kind: "unenforced"; why: string };

/** The kernel's Landlock ABI version, or why it has none (through libc). */
export function probeLandlock(): number | string {
  const libc = openLibc(["create_ruleset", "__errno_location", "strerror"]);
  try {
    return landlockAbi(libc.symbols);
  } finally {
    libc.close();
  }
}

/**
 * The plan for `sections` on a kernel whose Landlock `probe` reports.
 *
 * @throws {Error} One line, when the policy makes Landlock a `hard_requirement` it cannot have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planFilesystem } from "./filesystem_plan.ts";
 *
 * const sections = { filesystem_policy: { read_only: ["/usr"] } };
 * assert.deepEqual(planFilesystem({}, () => 4), { kind: "none" });
 * assert.deepEqual(planFilesystem(sections, () => 4), { kind: "landlock", abi: 4, sections });
 * assert.deepEqual(planFilesystem(sections, () => "ENOSYS"), { kind: "unenforced", why: "ENOSYS" });
 * const hard = { ...sections, landlock: { compatibility: "hard_requirement" as const } };
 * assert.throws(() => planFilesystem(hard, () => "ENOSYS"), /hard_requirement/);
 * ```
 */
export function planFilesystem(
  sections: FilesystemSections,
  probe: () => number | string = probeLandlock,
): FilesystemPlan {
  // As in OpenShell, a section confines even when it lists nothing: to the baseline.
  if (sections.filesystem_policy === undefined) return { kind: "none" };
  const abi = probe();
  if (typeof abi === "number") return { kind: "landlock", abi, sections };
  if (sections.landlock?.compatibility === "hard_requirement") {
    throw new Error(
      `The policy's filesystem_policy needs Landlock (landlock.compatibility: ` +
        `hard_requirement), which this kernel does not offer (${abi}): use a kernel with ` +
        `Landlock enabled, or best_effort`,
    );
  }
  return { kind: "unenforced", why: abi };
}

/**
 * The rules Landlock will apply under `plan` (see `confineStep()`), or undefined
 * when it applies none: the policy's, the baseline, `shown` read-only and `writable` (the
 * command's own terminal and `/dev/shm`) read-write, leaving out added paths that do not exist.
 */
export function planRules(
  plan: FilesystemPlan,
  workdir: string,
  shown: string[],
  writable: string[] = [],
): FilesystemRules | undefined {
  if (plan.kind !== "landlock") return undefined;
  const exists = (path: string) => existsSync(path);
  return filesystemRules(plan.sections, {
    workdir,
    readOnly: [...BASELINE_READ_ONLY, ...shown].filter(exists),
    readWrite: [...BASELINE_READ_WRITE, ...writable].filter(exists),
  });
}
