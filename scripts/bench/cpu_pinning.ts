/**
 * Where the benchmark's processes run. On a small VM the scheduler moves the load generator,
 * the upstream and the proxy between CPUs from one row to the next, and a hop between two
 * processes costs several times more across CPUs than on one: the same direct request took
 * 24 µs p50 in one row and 88 µs in the next. Pinning the load generator to its own CPU and
 * everything it talks to (upstream, proxies) to the others makes every request, direct or
 * proxied, cross between the two sides exactly twice, as a client on another host would.
 *
 * @module
 */

/** CPU lists in `taskset -c` syntax. */
export interface Pinning {
  /** The load generator (this process, while it times data-plane rows). */
  client: string;
  /** The upstream servers and the proxies under test. */
  servers: string;
  /** Every CPU: this process between data-plane rows. */
  all: string;
}

/**
 * The pinning for a machine with `cpuCount` CPUs; none on a single CPU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planPinning } from "./cpu_pinning.ts";
 * assert.equal(planPinning(2)?.servers, "1");
 * assert.equal(planPinning(1), undefined);
 * ```
 */
export function planPinning(cpuCount: number): Pinning | undefined {
  if (cpuCount < 2) return undefined;
  const last = cpuCount - 1;
  return { client: "0", servers: last === 1 ? "1" : `1-${last}`, all: `0-${last}` };
}

/**
 * `command args…` wrapped so that it (and its children) start on `cpus`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pinnedCommand } from "./cpu_pinning.ts";
 * assert.equal(pinnedCommand("squid", ["-N"], "1")[0], "taskset");
 * ```
 */
export function pinnedCommand(
  command: string,
  args: string[],
  cpus: string | undefined,
): [string, string[]] {
  return cpus === undefined ? [command, args] : [TASKSET, ["-c", cpus, command, ...args]];
}

/**
 * Move every thread of process `pid` to `cpus`.
 *
 * @throws When `taskset` fails.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setAffinity } from "./cpu_pinning.ts";
 *
 * // Pin a child to the CPUs this process may use (any narrower list may be refused here).
 * const status = Deno.readTextFileSync("/proc/self/status");
 * const allowed = /Cpus_allowed_list:\s*(\S+)/.exec(status)![1]!;
 * const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
 * await setAffinity(child.pid, allowed);
 * await assert.rejects(setAffinity(child.pid, "100000"), /^Error: taskset failed/);
 * child.kill();
 * await child.status;
 * ```
 */
export async function setAffinity(pid: number, cpus: string): Promise<void> {
  // `-a` walks the process's threads: one that ends meanwhile (a worker that finished) makes
  // taskset fail with "No such process" for that thread id. Walk again: the rest still counts.
  for (let attempt = 1;; attempt++) {
    const out = await new Deno.Command(TASKSET, {
      args: ["-a", "-p", "-c", cpus, String(pid)],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (out.success) return;
    const error = new TextDecoder().decode(out.stderr).trim();
    const threadGone = error.includes("No such process") && !error.includes(`pid ${pid}'s`);
    if (!threadGone || attempt === 5) throw new Error(`taskset failed: ${error}`);
  }
}

/**
 * The pinning to use here: none when asked for none, on one CPU, or without a working
 * `taskset` (util-linux).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { choosePinning } from "./cpu_pinning.ts";
 *
 * // `choosePinning(true)` tries the plan on this very process, so only the bench asks for it.
 * assert.equal(await choosePinning(false), undefined);
 * ```
 */
export async function choosePinning(wanted: boolean): Promise<Pinning | undefined> {
  const plan = wanted ? planPinning(navigator.hardwareConcurrency) : undefined;
  if (!plan) return undefined;
  try {
    // Every list must be usable here (a container may allow fewer CPUs than it shows).
    await setAffinity(Deno.pid, plan.client);
    await setAffinity(Deno.pid, plan.all);
    const [program, args] = pinnedCommand("true", [], plan.servers);
    if (!(await new Deno.Command(program, { args }).output()).success) return undefined;
    return plan;
  } catch {
    await setAffinity(Deno.pid, plan.all).catch(() => {});
    return undefined;
  }
}

const TASKSET = "taskset";
