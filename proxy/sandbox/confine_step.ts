/**
 * What a netns sandbox spawns: the command itself, or a short step that confines itself
 * (Landlock, and the syscall filter where no bubblewrap loaded it) and then becomes the
 * command: a Perl script where the system has Perl (`_confine_perl.ts`), else `deno run
 * confine_exec.ts`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ConfineSpec } from "./confine_exec.ts";
import { type FilesystemPlan, planRules } from "./filesystem_plan.ts";
import { DEFAULT_NICE, type SpawnLimits } from "./sandbox_limits.ts";
import { GROUP_FDS } from "./_setup_script.ts";
import { confinePerlArgs, perlEnv } from "./_confine_perl.ts";

/** What to spawn: the command and its environment. */
export interface Spawned {
  /** The executable and its arguments. */
  command: string[];
  /** The whole environment it starts with. */
  env: Record<string, string>;
}

/** What {@linkcode confineStep} confines with, besides the plan. */
export interface ConfineStepOptions {
  /** The command's working directory (`include_workdir`). */
  workdir: string;
  /** Tollgate's own files the command reads (its CA, the skill, the DNS files). */
  shown: string[];
  /**
   * Paths it may also write: the terminal it inherits (see `stdioTerminals()`), its own
   * `/dev/shm` (see `hostIpc()`).
   */
  writable?: string[];
  /** The runner's environment, where the step finds the runner's Deno cache. */
  runnerEnv?: Record<string, string | undefined>;
  /** The syscall filter to load, when no bubblewrap does. */
  syscallFilter?: Uint8Array;
  /** The descriptor of the sandbox's gate the step waits on, when it runs (`ConfineSpec`). */
  gateFd?: number;
  /**
   * The command's nice and cgroups, which the step takes as it becomes the command (the spawn's
   * `confineStep`); by default nice 10 and none.
   */
  limits?: Pick<SpawnLimits, "nice" | "cgroupProcs">;
  /**
   * The system's Perl (`SYSTEM_PERL`), when there is one: the step runs as a Perl script
   * (`CONFINE_PERL`), whose start costs a ninth of a Deno start's CPU; none: `deno run
   * confine_exec.ts`, with the runner's Deno cache.
   */
  perl?: string;
}

/**
 * What to spawn under `plan`: the command itself when there is nothing to confine, or the step
 * that restricts itself to the policy's paths, the baseline and `shown` (read-only; added paths
 * that do not exist are left out), loads `syscallFilter` if given, and becomes the command,
 * joining its cgroups and taking its nice (`limits`) only then: its own start is Tollgate's.
 * The Deno step runs with the runner's Deno cache (`DENO_DIR`; a fresh HOME would make it
 * start cold), the Perl one without the variables that change how Perl starts; either gives
 * the command back the environment it was meant to have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confineStep } from "./confine_step.ts";
 *
 * const plain = { command: ["ls"], env: { HOME: "/h" } };
 * const options = { workdir: "/w", shown: ["/nonexistent/ca.pem"], runnerEnv: { HOME: "/h" } };
 * assert.deepEqual(confineStep({ kind: "none" }, plain, options), plain);
 * const sections = { filesystem_policy: { include_workdir: true } };
 * const plan = { kind: "landlock" as const, abi: 3, sections };
 * const { command, env } = confineStep(plan, plain, options);
 * assert.equal(command[0], Deno.execPath());
 * assert.deepEqual(command.slice(-2), ["--", "ls"]);
 * assert.equal(env.DENO_DIR, "/h/.cache/deno");
 * const spec = JSON.parse(command.at(-3)!);
 * assert.ok(spec.landlock.readOnly.includes("/usr"));
 * assert.ok(!spec.landlock.readOnly.includes("/nonexistent/ca.pem"));
 * assert.deepEqual(spec.landlock.readWrite, ["/w", "/tmp", "/dev/null"]);
 * assert.deepEqual(spec.restore, { DENO_DIR: null });
 * assert.deepEqual(spec.bounds, { nice: 10, groupFds: [] });
 * // No filesystem_policy, but no bubblewrap either: the step loads the filter only.
 * const filtered = confineStep({ kind: "none" }, plain, {
 *   ...options,
 *   syscallFilter: new Uint8Array(8),
 * });
 * assert.deepEqual(JSON.parse(filtered.command.at(-3)!).seccomp, "AAAAAAAAAAA=");
 * ```
 */
export function confineStep(
  plan: FilesystemPlan,
  spawned: Spawned,
  options: ConfineStepOptions,
): Spawned {
  const rules = planRules(plan, options.workdir, options.shown, options.writable);
  const landlock = plan.kind === "landlock" && rules ? { ...rules, abi: plan.abi } : undefined;
  const filter = options.syscallFilter;
  if (landlock === undefined && filter === undefined) return spawned;
  const spec: ConfineSpec = {
    landlock,
    seccomp: filter === undefined ? undefined : btoa(String.fromCharCode(...filter)),
    gateFd: options.gateFd,
    bounds: {
      nice: options.limits?.nice ?? DEFAULT_NICE,
      groupFds: GROUP_FDS.slice(0, options.limits?.cgroupProcs.length ?? 0),
    },
  };
  if (options.perl !== undefined) {
    const { env, restore } = perlEnv(spawned.env);
    return { command: [options.perl, ...confinePerlArgs(spec, restore, spawned.command)], env };
  }
  spec.restore = { DENO_DIR: spawned.env.DENO_DIR ?? null };
  // Deno's own default when the caller gave no environment to read it from.
  const runnerEnv = options.runnerEnv ?? {};
  const env = (name: string) => runnerEnv[name] ?? Deno.env.get(name);
  const denoDir = env("DENO_DIR") ?? `${env("XDG_CACHE_HOME") ?? `${env("HOME")}/.cache`}/deno`;
  return {
    command: [Deno.execPath(), ...confineExecArgs(spec, spawned.command)],
    env: { ...spawned.env, DENO_DIR: denoDir },
  };
}

/**
 * The step's arguments for `spec` and `command`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confineExecArgs } from "./confine_step.ts";
 *
 * const spec = { seccomp: "AAAAAAAAAAA=", restore: {} };
 * const args = confineExecArgs(spec, ["ls", "-l"]);
 * assert.deepEqual(args.slice(-3), ["--", "ls", "-l"]);
 * assert.deepEqual(JSON.parse(args.at(-4)!), spec);
 * ```
 */
export function confineExecArgs(spec: ConfineSpec, command: string[]): string[] {
  return [
    "run",
    "--quiet",
    "--no-config",
    "--no-lock",
    "--allow-ffi",
    "--allow-read",
    "--allow-env",
    fileURLToPath(new URL("./confine_exec.ts", import.meta.url)),
    JSON.stringify(spec),
    "--",
    ...command,
  ];
}
