/**
 * Whether and how a netns sandbox enforces its policy's `filesystem_policy`, decided before
 * the command starts: with Landlock where the kernel has it; without it a `best_effort`
 * policy runs unconfined (the notice says so) and a `hard_requirement` one does not run.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Policy } from "../policy/mod.ts";
import { landlockAbi, openLibc } from "./_landlock.ts";
import {
  BASELINE_READ_ONLY,
  BASELINE_READ_WRITE,
  type FilesystemRules,
  filesystemRules,
} from "./filesystem_rules.ts";
import type { LandlockExecSpec } from "./landlock_exec.ts";

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
  const libc = openLibc();
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

/** What to spawn: the command and its environment, confined (see {@linkcode confined}). */
export interface Spawned {
  /** The executable and its arguments. */
  command: string[];
  /** The whole environment it starts with. */
  env: Record<string, string>;
}

/**
 * What to spawn under `plan`: the command itself, or the Landlock step that becomes it once it
 * has restricted itself to the policy's paths, the baseline and `shown` (Tollgate's own files,
 * read-only); added paths that do not exist are left out. The step runs with the runner's
 * Deno cache (`DENO_DIR`; a fresh HOME would make it start cold), and gives the command back
 * the environment it was meant to have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confined } from "./filesystem_plan.ts";
 *
 * const plain = { command: ["ls"], env: { HOME: "/h" } };
 * assert.deepEqual(confined({ kind: "none" }, plain, "/w", []), plain);
 * const sections = { filesystem_policy: { include_workdir: true } };
 * const plan = { kind: "landlock" as const, abi: 3, sections };
 * const { command, env } = confined(plan, plain, "/w", ["/nonexistent/ca.pem"]);
 * assert.equal(command[0], Deno.execPath());
 * assert.deepEqual(command.slice(-2), ["--", "ls"]);
 * assert.equal(env.DENO_DIR, "/h/.cache/deno");
 * const spec = JSON.parse(command.at(-3)!);
 * assert.ok(spec.readOnly.includes("/usr") && !spec.readOnly.includes("/nonexistent/ca.pem"));
 * assert.deepEqual(spec.readWrite, ["/w", "/tmp", "/dev/null"]);
 * assert.deepEqual(spec.restore, { DENO_DIR: null });
 * ```
 */
export function confined(
  plan: FilesystemPlan,
  spawned: Spawned,
  workdir: string,
  shown: string[],
  runnerEnv: Record<string, string | undefined> = { HOME: spawned.env.HOME },
): Spawned {
  const rules = planRules(plan, workdir, shown);
  if (plan.kind !== "landlock" || rules === undefined) return spawned;
  const restore = { DENO_DIR: spawned.env.DENO_DIR ?? null };
  const spec = { ...rules, abi: plan.abi, restore };
  // Deno's own default when the caller gave no environment to read it from.
  const env = (name: string) => runnerEnv[name] ?? Deno.env.get(name);
  const denoDir = env("DENO_DIR") ?? `${env("XDG_CACHE_HOME") ?? `${env("HOME")}/.cache`}/deno`;
  return {
    command: [Deno.execPath(), ...landlockExecArgs(spec, spawned.command)],
    env: { ...spawned.env, DENO_DIR: denoDir },
  };
}

/**
 * The rules Landlock will apply under `plan` (see {@linkcode confinedCommand}), or undefined
 * when it applies none.
 */
export function planRules(
  plan: FilesystemPlan,
  workdir: string,
  shown: string[],
): FilesystemRules | undefined {
  if (plan.kind !== "landlock") return undefined;
  const exists = (path: string) => existsSync(path);
  return filesystemRules(plan.sections, {
    workdir,
    readOnly: [...BASELINE_READ_ONLY, ...shown].filter(exists),
    readWrite: BASELINE_READ_WRITE.filter(exists),
  });
}

/**
 * The script's arguments for `spec` and `command`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { landlockExecArgs } from "./filesystem_plan.ts";
 *
 * const spec = { readOnly: ["/usr"], readWrite: ["/tmp"], hard: false, abi: 3, restore: {} };
 * const args = landlockExecArgs(spec, ["ls", "-l"]);
 * assert.deepEqual(args.slice(-3), ["--", "ls", "-l"]);
 * assert.deepEqual(JSON.parse(args.at(-4)!), spec);
 * ```
 */
export function landlockExecArgs(spec: LandlockExecSpec, command: string[]): string[] {
  return [
    "run",
    "--quiet",
    "--no-config",
    "--no-lock",
    "--allow-ffi",
    "--allow-read",
    "--allow-env",
    fileURLToPath(new URL("./landlock_exec.ts", import.meta.url)),
    JSON.stringify(spec),
    "--",
    ...command,
  ];
}
