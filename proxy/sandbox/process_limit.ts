/**
 * How many processes and threads a netns sandbox may have at once. Without a bound, one fork
 * loop takes every pid of the machine: the proxy can start no thread, the gateway no `git`, the
 * user no shell. For a runner that is not root, `RLIMIT_NPROC` bounds it: the kernel counts the
 * command's tasks in its own user namespace, so the runner's other processes do not count. Root
 * is exempt from that limit, even inside a user namespace, so a root runner gets a pids cgroup
 * of the sandbox's own where it may make one.
 *
 * @module
 */

import { join } from "node:path";

/** The default bound: systemd's per-service default (`DefaultTasksMax`) on a 32,768-pid host. */
export const DEFAULT_MAX_PROCESSES = 4096;

/** How a sandbox's process count is bounded (see {@linkcode processLimit}). */
export interface ProcessLimit {
  /** Processes and threads the command may have at once. */
  max: number;
  /** `cgroup.procs` of the sandbox's pids cgroup, which the command joins first (root only). */
  cgroupProcs?: string;
  /** Whether anything enforces `max`: false for root where no pids cgroup could be made. */
  enforced: boolean;
  /** Remove the cgroup once the command and everything it started have ended. */
  remove(): Promise<void>;
}

/** A cgroup is `tollgate-sandbox-RUNNERPID-NAME`: one whose runner died is swept by the next. */
const PREFIX = "tollgate-sandbox-";

/**
 * Where the runner's own cgroup lies in the pids hierarchy, as `mountinfo` and `cgroups`
 * (`/proc/self/mountinfo`, `/proc/self/cgroup`) tell: a v1 `pids` hierarchy if mounted, else the
 * unified (v2) one. Undefined when neither is mounted or the runner's cgroup is outside the
 * mount (another cgroup namespace's root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pidsCgroupOf } from "./process_limit.ts";
 *
 * const v1 = "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n";
 * assert.equal(pidsCgroupOf(v1, "8:pids:/user.slice\n"), "/sys/fs/cgroup/pids/user.slice");
 * const v2 = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";
 * assert.equal(pidsCgroupOf(v2, "0::/\n"), "/sys/fs/cgroup");
 * assert.equal(pidsCgroupOf("", "0::/\n"), undefined);
 * // A container's view: the mount's root is its own cgroup.
 * const inner = "39 31 0:36 /docker/c1 /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids\n";
 * assert.equal(pidsCgroupOf(inner, "8:pids:/docker/c1/a\n"), "/sys/fs/cgroup/pids/a");
 * assert.equal(pidsCgroupOf(inner, "8:pids:/docker/c10\n"), undefined);
 * ```
 */
export function pidsCgroupOf(mountinfo: string, cgroups: string): string | undefined {
  const mounts = mountinfo.split("\n").map((line) => line.split(" ")).filter((f) => f.length > 9);
  const hierarchies = cgroups.split("\n").map((line) => line.split(":"));
  const v1 = mounts.find((f) => f[f.indexOf("-") + 1] === "cgroup" && superOptions(f).has("pids"));
  const v2 = mounts.find((f) => f[f.indexOf("-") + 1] === "cgroup2");
  const [mount, own] = v1
    ? [v1, hierarchies.find((h) => h.length >= 3 && h[1]!.split(",").includes("pids"))?.[2]]
    : [v2, hierarchies.find((h) => h[0] === "0" && h[1] === "")?.[2]];
  if (mount === undefined || own === undefined) return undefined;
  const root = unescape(mount[3]!);
  if (own !== root && !own.startsWith(root === "/" ? "/" : `${root}/`)) return undefined;
  const below = own.slice(root === "/" ? 0 : root.length).replace(/^\/+/, "");
  return below === "" ? unescape(mount[4]!) : join(unescape(mount[4]!), below);
}

function superOptions(fields: string[]): Set<string> {
  return new Set((fields[fields.indexOf("-") + 3] ?? "").split(","));
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescape(field: string): string {
  return field.replace(
    /\\([0-7]{3})/g,
    (_, octal: string) => String.fromCharCode(parseInt(octal, 8)),
  );
}

/**
 * Bound the sandbox `name` to `max` processes and threads. A runner that is not root is bounded
 * by `RLIMIT_NPROC` (the setup script sets it); root gets a pids cgroup below its own where the
 * hierarchy lets it make one (and sweeps those that runners which died left).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processLimit } from "./process_limit.ts";
 *
 * const limit = await processLimit(64, "doc-example", { uid: 1000 });
 * assert.equal(limit.enforced, true);
 * assert.equal(limit.cgroupProcs, undefined);
 * await limit.remove();
 * ```
 */
export async function processLimit(
  max: number,
  name: string,
  options: { uid?: number; parent?: string } = {},
): Promise<ProcessLimit> {
  const none = { max, remove: () => Promise.resolve() };
  if ((options.uid ?? Deno.uid()) !== 0) {
    // Raising a hard limit takes a privilege the runner lacks: a lower one of its own stays.
    const hard = hardProcessLimit(await Deno.readTextFile("/proc/self/limits").catch(() => ""));
    return { ...none, max: Math.min(max, hard ?? max), enforced: true };
  }
  const parent = options.parent ?? await ownPidsCgroup();
  const dir = parent === undefined ? undefined : await makePidsCgroup(parent, name, max);
  if (dir === undefined) return { ...none, enforced: false };
  return {
    max,
    cgroupProcs: join(dir, "cgroup.procs"),
    enforced: true,
    remove: () => removeCgroup(dir),
  };
}

/** The hard "Max processes" of a `/proc/PID/limits` text; undefined when unlimited or absent. */
function hardProcessLimit(limits: string): number | undefined {
  const hard = /^Max processes\s+\S+\s+(\d+)/m.exec(limits)?.[1];
  return hard === undefined ? undefined : Number(hard);
}

async function ownPidsCgroup(): Promise<string | undefined> {
  const read = (path: string) => Deno.readTextFile(path).catch(() => "");
  return pidsCgroupOf(await read("/proc/self/mountinfo"), await read("/proc/self/cgroup"));
}

/** The new cgroup's folder, or undefined where it cannot be made or has no pids controller. */
async function makePidsCgroup(
  parent: string,
  name: string,
  max: number,
): Promise<string | undefined> {
  await sweepLeftovers(parent);
  const dir = join(parent, `${PREFIX}${Deno.pid}-${name}`);
  try {
    await Deno.mkdir(dir);
  } catch {
    return undefined;
  }
  try {
    // A v2 child has pids.max only when its parent delegates the controller to it.
    await Deno.writeTextFile(join(dir, "pids.max"), `${max}\n`);
    return dir;
  } catch {
    await Deno.remove(dir).catch(() => {});
    return undefined;
  }
}

/**
 * Remove the cgroups of runners that died (a live runner's may be empty for a moment, before
 * its command joins it); the kernel refuses to remove one that still holds a process.
 */
async function sweepLeftovers(parent: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(parent)) {
      if (!entry.isDirectory || !entry.name.startsWith(PREFIX)) continue;
      const runner = Number.parseInt(entry.name.slice(PREFIX.length), 10);
      if (await Deno.stat(`/proc/${runner}`).then(() => true, () => false)) continue;
      await Deno.remove(join(parent, entry.name)).catch(() => {});
    }
  } catch {
    // Not listable: nothing to sweep.
  }
}

/** The kernel reaps the namespace's last processes just after the command ends: wait a little. */
async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await Deno.remove(dir);
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
