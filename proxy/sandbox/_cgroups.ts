/**
 * The cgroups of a sandbox's own, below the runner's: one folder per hierarchy (cgroup v1
 * mounts each controller, or a few together, apart; v2 holds them all in one folder, and a
 * process is in one v2 cgroup only), made before the command starts, joined by its first
 * process, removed after the run. A runner that died leaves its folders to the next one.
 *
 * @module
 */

import { join } from "node:path";

/** The controllers a sandbox bounds itself with. */
export type Controller = "pids" | "cpu" | "memory";

/** A setting: the file, its value, and whether the bound holds without it (an optional file). */
export type Setting = { file: string; value: string; optional?: boolean };

/** The settings one controller needs, by hierarchy kind (the file names differ). */
export type Want = { controller: Controller; settings: (v2: boolean) => Setting[] };

/** The cgroups made: the `cgroup.procs` files to join, the controllers bounded, and cleanup. */
export interface SandboxCgroups {
  procs: string[];
  applied: Set<Controller>;
  remove(): Promise<void>;
}

/** A folder is `tollgate-sandbox-RUNNERPID-NAME`: one whose runner died is swept by the next. */
const PREFIX = "tollgate-sandbox-";

/** Where a controller's hierarchy holds the runner's cgroup, and whether it is v2. */
export interface CgroupDir {
  dir: string;
  v2: boolean;
}

/**
 * Where the runner's own cgroup lies in `controller`'s hierarchy, as `mountinfo` and `cgroups`
 * (`/proc/self/mountinfo`, `/proc/self/cgroup`) tell: a v1 hierarchy holding the controller if
 * one is mounted, else the unified (v2) one. Undefined when neither is mounted or the runner's
 * cgroup is outside the mount (another cgroup namespace's root).
 */
export function cgroupDirOf(
  mountinfo: string,
  cgroups: string,
  controller: Controller,
): CgroupDir | undefined {
  const mounts = mountinfo.split("\n").map((line) => line.split(" ")).filter((f) => f.length > 9);
  const hierarchies = cgroups.split("\n").map((line) => line.split(":"));
  const v1 = mounts.find((f) =>
    f[f.indexOf("-") + 1] === "cgroup" && superOptions(f).has(controller)
  );
  const v2 = mounts.find((f) => f[f.indexOf("-") + 1] === "cgroup2");
  const [mount, own] = v1
    ? [v1, hierarchies.find((h) => h.length >= 3 && h[1]!.split(",").includes(controller))?.[2]]
    : [v2, hierarchies.find((h) => h[0] === "0" && h[1] === "")?.[2]];
  if (mount === undefined || own === undefined) return undefined;
  const root = unescape(mount[3]!);
  if (own !== root && !own.startsWith(root === "/" ? "/" : `${root}/`)) return undefined;
  const below = own.slice(root === "/" ? 0 : root.length).replace(/^\/+/, "");
  const point = unescape(mount[4]!);
  return { dir: below === "" ? point : join(point, below), v2: v1 === undefined };
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

/** The runner's own cgroup files, read once for every controller. */
export async function ownHierarchy(): Promise<{ mountinfo: string; cgroups: string }> {
  const read = (path: string) => Deno.readTextFile(path).catch(() => "");
  return {
    mountinfo: await read("/proc/self/mountinfo"),
    cgroups: await read("/proc/self/cgroup"),
  };
}

/**
 * Make the sandbox `name`'s cgroups for `wants`, below the runner's own in each hierarchy
 * (`parents` overrides where, per controller). A controller whose hierarchy is not writable,
 * or whose files its parent does not delegate (v2), is left out of `applied`.
 */
export async function makeCgroups(
  name: string,
  wants: Want[],
  parents: Partial<Record<Controller, CgroupDir>>,
): Promise<SandboxCgroups> {
  const byDir = new Map<string, { v2: boolean; wants: Want[] }>();
  for (const want of wants) {
    const at = parents[want.controller];
    if (at === undefined) continue;
    const entry = byDir.get(at.dir) ?? { v2: at.v2, wants: [] };
    entry.wants.push(want);
    byDir.set(at.dir, entry);
  }
  const made: string[] = [];
  const applied = new Set<Controller>();
  for (const [parent, entry] of byDir) {
    const dir = await makeOne(parent, name, entry.v2, entry.wants, applied);
    if (dir !== undefined) made.push(dir);
  }
  return {
    procs: made.map((dir) => join(dir, "cgroup.procs")),
    applied,
    remove: async () => {
      for (const dir of made) await removeCgroup(dir);
    },
  };
}

/** One folder below `parent` with each want's settings; undefined where none could be set. */
async function makeOne(
  parent: string,
  name: string,
  v2: boolean,
  wants: Want[],
  applied: Set<Controller>,
): Promise<string | undefined> {
  await sweepLeftovers(parent);
  const dir = join(parent, `${PREFIX}${Deno.pid}-${name}`);
  try {
    await Deno.mkdir(dir);
  } catch {
    return undefined;
  }
  let any = false;
  for (const want of wants) {
    if (await writeSettings(dir, want.settings(v2))) {
      applied.add(want.controller);
      any = true;
    }
  }
  if (any) return dir;
  await Deno.remove(dir).catch(() => {});
  return undefined;
}

/** Whether every required setting was written (a v2 child lacks undelegated controllers' files). */
async function writeSettings(dir: string, settings: Setting[]): Promise<boolean> {
  for (const { file, value, optional } of settings) {
    try {
      await Deno.writeTextFile(join(dir, file), `${value}\n`);
    } catch {
      if (!optional) return false;
    }
  }
  return true;
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
