import assert from "node:assert/strict";
import { SwapLog } from "./swap_log.ts";

Deno.test("SwapLog.waitFor() resolves with each proxy's swap time once all enforce", async () => {
  const log = new SwapLog(2);
  const waited = log.waitFor(4, 1000, 100);
  log.add({ proxy: 0, revision: 4, at: 110 });
  log.add({ proxy: 1, revision: 3, at: 105 });
  log.add({ proxy: 1, revision: 4, at: 120 });
  assert.deepEqual(await waited, [110, 120]);
});

Deno.test("SwapLog.waitFor() refuses a revision enforced before the timed step began", async () => {
  // A proxy that follows another gateway reached "revision 3" long ago: timing it from this
  // step's start gave the auto-approval row a negative latency.
  const log = new SwapLog(1);
  log.add({ proxy: 0, revision: 3, at: 50 });
  await assert.rejects(log.waitFor(3, 1000, 100), /before the step that wrote it began/);
});

Deno.test("SwapLog.waitFor() refuses a proxy past the awaited revision", async () => {
  const log = new SwapLog(1);
  const waited = log.waitFor(3, 1000, 100);
  log.add({ proxy: 0, revision: 9, at: 150 });
  await assert.rejects(waited, /revision 9, past the awaited 3: its policy has another writer/);
});

Deno.test("SwapLog.waitFor() names how many proxies are behind after the timeout", async () => {
  const log = new SwapLog(2);
  log.add({ proxy: 0, revision: 2, at: 150 });
  await assert.rejects(log.waitFor(2, 20, 100), /^Error: 1 proxies not at revision 2 after 20 ms$/);
});
