/**
 * The stall probe's child: sleeps 10 ms at a time and notes how late each wake-up is. When
 * its stdin closes it prints one JSON line of {@linkcode StallStats} and exits. A process of
 * its own, so that the benchmark's busy event loop is not counted as the machine's delay.
 *
 * Run: `deno run scripts/bench/stall_probe_child.ts` (needs no permissions).
 *
 * @module
 */

import { STALL_SLEEP_MS, type StallStats, tallyWake } from "./stall_probe.ts";

async function main(): Promise<void> {
  const stats: StallStats = { sleeps: 0, stalls: 0, worstMs: 0, lostMs: 0, elapsedMs: 0 };
  const start = performance.now();
  let stopped = false;
  const done = (async () => {
    for await (const _ of Deno.stdin.readable) { /* lifeline */ }
    stopped = true;
  })();
  while (!stopped) {
    const asleep = performance.now();
    await new Promise((resolve) => setTimeout(resolve, STALL_SLEEP_MS));
    tallyWake(stats, performance.now() - asleep);
  }
  await done;
  stats.elapsedMs = performance.now() - start;
  console.log(JSON.stringify(stats));
}

if (import.meta.main) await main();
