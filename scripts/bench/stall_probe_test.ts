import assert from "node:assert/strict";
import { ChildProcesses } from "./child_processes.ts";
import { STALL_LATE_MS, STALL_SLEEP_MS, startStallProbe, tallyWake } from "./stall_probe.ts";

Deno.test("tallyWake() counts only wake-ups later than the stall threshold", () => {
  const stats = { sleeps: 0, stalls: 0, worstMs: 0, lostMs: 0, elapsedMs: 0 };
  tallyWake(stats, STALL_SLEEP_MS + 1);
  tallyWake(stats, STALL_SLEEP_MS + STALL_LATE_MS);
  tallyWake(stats, STALL_SLEEP_MS + 300);
  tallyWake(stats, STALL_SLEEP_MS - 2);
  assert.deepEqual(stats, { sleeps: 4, stalls: 1, worstMs: 300, lostMs: 300, elapsedMs: 0 });
});

Deno.test("startStallProbe() runs a child that reports its sleeps when stopped", async () => {
  await using children = new ChildProcesses();
  const probe = startStallProbe(children);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const stats = await probe.stop();
  assert.ok(stats, "the probe reported");
  assert.ok(stats.sleeps > 0 && stats.elapsedMs > 0, JSON.stringify(stats));
  assert.ok(stats.stalls <= stats.sleeps);
  assert.equal(children.running.length, 0);
});
