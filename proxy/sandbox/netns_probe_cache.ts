/**
 * A remembered "network namespaces work here" answer of the netns probe, so that each
 * `sandbox run` need not run it (a throw-away set of namespaces and six tools, some 15 ms).
 *
 * Only a yes is kept, bound to what decides it: this boot (and so the kernel), the user
 * namespace sysctls, the runner's user, namespaces and own confinement, its `PATH` and each
 * tool found there (path, inode, size, time). Its integrity is trusted for nothing: a wrong
 * yes only makes the run try netns, which then fails closed (the runner says so and forgets the
 * answer); a no is never kept, so `auto` falls back to env only after a real probe.
 *
 * @module
 */

import { join } from "node:path";
import { findExecutable } from "./_find_executable.ts";
import { writeAtomically } from "./_files.ts";

/** The file in the state directory. */
const FILE = "netns_probe";

/** The tools the sandbox runs: one added, removed or upgraded makes the answer stale. */
const TOOLS = ["sh", "unshare", "ip", "setpriv", "nsenter", "nice", "prlimit", "mount", "bwrap"];

/** Kernel settings that allow or refuse unprivileged user namespaces, and the boot. */
const SETTINGS = [
  "/proc/sys/kernel/random/boot_id",
  "/proc/sys/kernel/osrelease",
  "/proc/sys/user/max_user_namespaces",
  "/proc/sys/user/max_net_namespaces",
  "/proc/sys/user/max_mnt_namespaces",
  "/proc/sys/user/max_pid_namespaces",
  "/proc/sys/kernel/unprivileged_userns_clone",
  "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
];

/** The runner's own confinement, as `/proc/self/status` tells (a container's filter, caps). */
const STATUS_LINES = /^(Seccomp|Seccomp_filters|NoNewPrivs|CapBnd|CapEff|CapPrm):/;

/**
 * What the probe's answer depends on, as one SHA-256 (hex): tools looked up on `path`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { netnsProbeKey } from "./netns_probe_cache.ts";
 *
 * const key = await netnsProbeKey("/usr/bin:/bin");
 * assert.match(key, /^[0-9a-f]{64}$/);
 * assert.notEqual(key, await netnsProbeKey("/nonexistent"));
 * ```
 */
export async function netnsProbeKey(path: string): Promise<string> {
  const parts = [`uid ${Deno.uid()} gid ${Deno.gid()}`, `PATH ${path}`];
  for (const file of SETTINGS) parts.push(`${file} ${(await readOr(file)).trim()}`);
  for (const kind of ["user", "net", "mnt", "pid", "cgroup"]) {
    parts.push(`${kind} ${await Deno.readLink(`/proc/self/ns/${kind}`).catch(() => "-")}`);
  }
  const status = await readOr("/proc/self/status");
  parts.push(...status.split("\n").filter((line) => STATUS_LINES.test(line)));
  for (const tool of TOOLS) parts.push(`${tool} ${toolIdentity(tool, path)}`);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\n")));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Whether `stateDir` remembers that netns works for this key (see {@linkcode netnsProbeKey}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { netnsRemembered, rememberNetns } from "./netns_probe_cache.ts";
 *
 * const dir = await Deno.makeTempDir();
 * assert.equal(await netnsRemembered(dir, "/usr/bin:/bin"), false);
 * await rememberNetns(dir, "/usr/bin:/bin");
 * assert.equal(await netnsRemembered(dir, "/usr/bin:/bin"), true);
 * assert.equal(await netnsRemembered(dir, "/bin"), false); // another PATH, another answer
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function netnsRemembered(stateDir: string, path: string): Promise<boolean> {
  const text = await readOr(join(stateDir, FILE));
  return text !== "" && text.trim() === `netns ok ${await netnsProbeKey(path)}`;
}

/** Remember that netns works, when `stateDir` exists already (a run never creates it for this). */
export async function rememberNetns(stateDir: string, path: string): Promise<void> {
  if (!(await Deno.stat(stateDir).then((info) => info.isDirectory, () => false))) return;
  await writeAtomically(join(stateDir, FILE), `netns ok ${await netnsProbeKey(path)}\n`)
    .catch(() => {});
}

/** Forget the answer: a run that trusted it could not start its namespaces. */
export async function forgetNetns(stateDir: string): Promise<void> {
  await Deno.remove(join(stateDir, FILE)).catch(() => {});
}

function toolIdentity(tool: string, path: string): string {
  const at = findExecutable(tool, path, "/");
  if (at === undefined) return "-";
  try {
    const info = Deno.statSync(at);
    return `${at} ${info.dev}:${info.ino} ${info.size} ${info.mtime?.getTime()}`;
  } catch {
    return "-";
  }
}

async function readOr(file: string): Promise<string> {
  return await Deno.readTextFile(file).catch(() => "");
}
