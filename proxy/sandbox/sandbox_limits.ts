/**
 * What a netns sandbox may take of the machine: processes, CPU and memory. Without bounds one
 * fork loop takes every pid (the proxy can start no thread, the gateway no `git`, the user no
 * shell), two busy loops compete on equal terms with the proxy that serves every sandbox, and
 * one allocation loop pushes the whole machine out of memory.
 *
 * - Processes: `RLIMIT_NPROC` for a runner that is not root (the kernel counts the command's
 *   tasks in its own user namespace); root is exempt from it, even inside a user namespace, so
 *   a root runner gets a pids cgroup of the sandbox's own where it may make one.
 * - CPU: every command process runs at `nice` (the setup script raises it before the command
 *   starts, and `RLIMIT_NICE` 0 keeps it from lowering it again: `CAP_SYS_NICE` counts in the
 *   initial user namespace only). A root runner also gets a cpu cgroup weighing the whole sandbox
 *   as one process at `nice`, however many it starts or sessions it makes.
 * - Memory: a root runner's memory cgroup (swap included); nothing sound for other runners
 *   (`RLIMIT_AS` stops Deno at any size and Node at 4 GiB, `RLIMIT_DATA` is per process and
 *   stops AddressSanitizer at any size), whose command the OOM killer ends first instead.
 *
 * @module
 */

import {
  type CgroupDir,
  cgroupDirOf,
  type Controller,
  makeCgroups,
  ownHierarchy,
} from "./_cgroups.ts";
import { type TmpfsBounds, tmpfsBounds } from "./tmpfs_bounds.ts";

/** The default bound: systemd's per-service default (`DefaultTasksMax`) on a 32,768-pid host. */
export const DEFAULT_MAX_PROCESSES = 4096;

/** The default nice: what `nice CMD` gives; a busy sandbox gets about a tenth of a busy peer. */
export const DEFAULT_NICE = 10;

/** The kernel's load weight of nice 0 to 19 (`sched_prio_to_weight`), which v1 `cpu.shares` is. */
const NICE_WEIGHT = [
  1024,
  820,
  655,
  526,
  423,
  335,
  272,
  215,
  172,
  137,
  110,
  87,
  70,
  56,
  45,
  36,
  29,
  23,
  18,
  15,
];

/** What {@linkcode sandboxLimits} is asked to bound. */
export interface LimitsInput {
  /** Processes and threads the command may have at once; 4,096 by default. */
  maxProcesses?: number;
  /** The command's nice, 0 to 19 (never below the runner's); 10 by default. */
  nice?: number;
  /**
   * MiB of memory (with swap and the tmpfs pages it writes) the sandbox may use, which also sizes
   * its tmpfs (see `tmpfsBounds()`); by default half of the machine's.
   */
  maxMemoryMb?: number;
}

/** What the script bounds the command with (see `sandboxLimits()`, `tmpfsBounds()`). */
export interface SpawnLimits {
  /** Processes and threads at once (`RLIMIT_NPROC`; a root runner's pids cgroup too). */
  maxProcesses: number;
  /** The command's nice; never below the runner's own. */
  nice: number;
  /** `cgroup.procs` of the sandbox's cgroups (three at most), joined before the command starts. */
  cgroupProcs: string[];
  /** The size options of the tmpfs it gets. */
  tmpfs: TmpfsBounds;
}

/** How a sandbox is bounded (see {@linkcode sandboxLimits}). */
export interface SandboxLimits extends Required<LimitsInput>, SpawnLimits {
  /** Whether anything enforces `maxProcesses`: false for root where no pids cgroup was made. */
  processesBounded: boolean;
  /** Whether a cpu cgroup weighs the whole sandbox as one process at `nice` (root only). */
  cpuGroup: boolean;
  /** Whether a memory cgroup enforces `maxMemoryMb` (root only). */
  memoryBounded: boolean;
  /** Remove the cgroups once the command and everything it started have ended. */
  remove(): Promise<void>;
}

/**
 * Half of this machine's memory in MiB (`MemTotal`): the default memory bound. A compiler or
 * `npm install` fits, and whatever the sandbox does, the proxy and the user keep the other half.
 */
export async function defaultMaxMemoryMb(): Promise<number> {
  const text = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const kib = Number(/^MemTotal:\s+(\d+) kB/m.exec(text)?.[1] ?? 0);
  return kib > 0 ? Math.max(64, Math.floor(kib / 2048)) : 4096;
}

/**
 * Where the runner's own cgroup lies in `controller`'s hierarchy, as `mountinfo` and `cgroups`
 * (`/proc/self/mountinfo`, `/proc/self/cgroup`) tell: a v1 hierarchy holding it if mounted, else
 * the unified (v2) one. Undefined when neither is mounted or the runner's cgroup is outside the
 * mount (another cgroup namespace's root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cgroupOf } from "./sandbox_limits.ts";
 *
 * const v1 = "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n";
 * assert.equal(cgroupOf(v1, "8:pids:/user.slice\n", "pids"), "/sys/fs/cgroup/pids/user.slice");
 * const v2 = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";
 * assert.equal(cgroupOf(v2, "0::/\n", "memory"), "/sys/fs/cgroup");
 * assert.equal(cgroupOf("", "0::/\n", "cpu"), undefined);
 * // A container's view: the mount's root is its own cgroup.
 * const inner = "39 31 0:36 /docker/c1 /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids\n";
 * assert.equal(cgroupOf(inner, "8:pids:/docker/c1/a\n", "pids"), "/sys/fs/cgroup/pids/a");
 * assert.equal(cgroupOf(inner, "8:pids:/docker/c10\n", "pids"), undefined);
 * ```
 */
export function cgroupOf(
  mountinfo: string,
  cgroups: string,
  controller: "pids" | "cpu" | "memory",
): string | undefined {
  return cgroupDirOf(mountinfo, cgroups, controller)?.dir;
}

/**
 * Bound the sandbox `name` as `input` asks. A runner that is not root is bounded by
 * `RLIMIT_NPROC` and nice alone (the setup script sets them); root also gets pids, cpu and
 * memory cgroups below its own where the hierarchies let it make them (and sweeps those that
 * runners which died left).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sandboxLimits } from "./sandbox_limits.ts";
 *
 * const limits = await sandboxLimits(
 *   { maxProcesses: 64, nice: 10, maxMemoryMb: 512 },
 *   "doc-example",
 *   { uid: 1000 },
 * );
 * assert.equal(limits.processesBounded, true);
 * assert.equal(limits.memoryBounded, false);
 * assert.deepEqual(limits.cgroupProcs, []);
 * await limits.remove();
 * ```
 */
export async function sandboxLimits(
  input: LimitsInput,
  name: string,
  options: { uid?: number } = {},
): Promise<SandboxLimits> {
  const nice = Math.min(19, Math.max(0, Math.trunc(input.nice ?? DEFAULT_NICE)));
  const maxMemoryMb = input.maxMemoryMb ?? await defaultMaxMemoryMb();
  const requested = input.maxProcesses ?? DEFAULT_MAX_PROCESSES;
  const base = {
    maxProcesses: requested,
    nice,
    maxMemoryMb,
    tmpfs: tmpfsBounds(maxMemoryMb),
    cpuGroup: false,
    memoryBounded: false,
    cgroupProcs: [],
  };
  if ((options.uid ?? Deno.uid()) !== 0) {
    // Raising a hard limit takes a privilege the runner lacks: a lower one of its own stays.
    const hard = hardProcessLimit(await Deno.readTextFile("/proc/self/limits").catch(() => ""));
    const maxProcesses = Math.min(requested, hard ?? requested);
    return { ...base, maxProcesses, processesBounded: true, remove: () => Promise.resolve() };
  }
  const parents = await ownParents();
  const bytes = String(maxMemoryMb * 1024 * 1024);
  const weight = NICE_WEIGHT[nice]!;
  const made = await makeCgroups(name, [
    {
      controller: "pids",
      settings: () => [{ file: "pids.max", value: String(requested) }],
    },
    {
      controller: "cpu",
      // v2's cpu.weight is 100 where v1's shares are 1024.
      settings: (v2) =>
        v2
          ? [{ file: "cpu.weight", value: String(Math.max(1, Math.round(weight * 100 / 1024))) }]
          : [{ file: "cpu.shares", value: String(weight) }],
    },
    {
      controller: "memory",
      // Swap counts too: a bound on memory alone would let the sandbox fill the swap instead.
      settings: (v2) =>
        v2
          ? [{ file: "memory.max", value: bytes }, {
            file: "memory.swap.max",
            value: "0",
            optional: true,
          }]
          : [
            { file: "memory.limit_in_bytes", value: bytes },
            { file: "memory.memsw.limit_in_bytes", value: bytes, optional: true },
          ],
    },
  ], parents);
  return {
    ...base,
    processesBounded: made.applied.has("pids"),
    cpuGroup: made.applied.has("cpu"),
    memoryBounded: made.applied.has("memory"),
    cgroupProcs: made.procs,
    remove: made.remove,
  };
}

/** The hard "Max processes" of a `/proc/PID/limits` text; undefined when unlimited or absent. */
function hardProcessLimit(limits: string): number | undefined {
  const hard = /^Max processes\s+\S+\s+(\d+)/m.exec(limits)?.[1];
  return hard === undefined ? undefined : Number(hard);
}

async function ownParents(): Promise<Partial<Record<Controller, CgroupDir>>> {
  const { mountinfo, cgroups } = await ownHierarchy();
  const parents: Partial<Record<Controller, CgroupDir>> = {};
  for (const controller of ["pids", "cpu", "memory"] as const) {
    const at = cgroupDirOf(mountinfo, cgroups, controller);
    if (at !== undefined) parents[controller] = at;
  }
  return parents;
}
