/**
 * How much the machine itself stalled during a run. On a shared VM, a process that sleeps can
 * wake hundreds of ms late (seen here: a 20 ms timer in Deno, Node and Python firing 60–600 ms
 * late three times a second, with the guest idle). Every latency row pays for such stalls, so
 * the report says how many there were.
 *
 * @module
 */

import type { ChildProcesses } from "./child_processes.ts";
import { ChildLines } from "./child_lines.ts";

/** The probe's sleep. */
export const STALL_SLEEP_MS = 10;
/** A wake-up later than this (beyond the sleep) counts as a stall. */
export const STALL_LATE_MS = 20;

/** What the probe saw. */
export interface StallStats {
  /** Sleeps taken. */
  sleeps: number;
  /** Wake-ups more than {@linkcode STALL_LATE_MS} late. */
  stalls: number;
  /** The latest wake-up, in ms beyond the sleep. */
  worstMs: number;
  /** Time lost to stalls (lateness of the stalled wake-ups), in ms. */
  lostMs: number;
  /** How long the probe ran, in ms. */
  elapsedMs: number;
}

/**
 * Count one wake-up that came `sleptMs` after going to sleep for {@linkcode STALL_SLEEP_MS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const stats = { sleeps: 0, stalls: 0, worstMs: 0, lostMs: 0, elapsedMs: 0 };
 * tallyWake(stats, 250);
 * assert(stats.stalls === 1 && stats.worstMs === 240);
 * ```
 */
export function tallyWake(stats: StallStats, sleptMs: number): void {
  const late = Math.max(0, sleptMs - STALL_SLEEP_MS);
  stats.sleeps++;
  stats.worstMs = Math.max(stats.worstMs, late);
  if (late > STALL_LATE_MS) {
    stats.stalls++;
    stats.lostMs += late;
  }
}

/** A running probe. */
export interface StallProbe {
  /** Stop it and read what it saw (undefined if it died). */
  stop(): Promise<StallStats | undefined>;
}

/**
 * Start the probe in a child process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { startStallProbe } from "./stall_probe.ts";
 *
 * await using children = new ChildProcesses();
 * const probe = startStallProbe(children);
 * await new Promise((resolve) => setTimeout(resolve, 200)); // … measure …
 * const stats = await probe.stop();
 * assert.equal(typeof stats?.stalls, "number"); // wake-ups more than 20 ms late
 * ```
 */
export function startStallProbe(children: ChildProcesses): StallProbe {
  const script = new URL("./stall_probe_child.ts", import.meta.url).pathname;
  const { child, process } = children.spawn(Deno.execPath(), ["run", "--quiet", script], {
    name: "stall-probe",
    lifeline: true,
    stdout: "piped",
  });
  const lines = new ChildLines(process.stdout);
  return {
    async stop() {
      await child.stop();
      const line = await lines.next(5_000).catch(() => undefined);
      try {
        return line === undefined ? undefined : JSON.parse(line) as StallStats;
      } catch {
        return undefined;
      }
    },
  };
}
