import assert from "node:assert/strict";
import { LeaseSweeper } from "./mod.ts";

Deno.test("LeaseSweeper sweeps again at once for a lease that ran out while it swept", async () => {
  // A sweep takes time (files, Git): a lease that ends during it is not one the sweep left in
  // place (a policy that does not load), so it must not wait the 30 s retry.
  let clock = 1_000;
  let leases = [1_000, 1_010]; // the first has ended; the second ends during the sweep
  let sweeps = 0;
  const sweeper = new LeaseSweeper({
    sweep: () => {
      sweeps++;
      leases = leases.filter((end) => end > clock);
      clock += 20;
      return Promise.resolve();
    },
    nextExpiry: () => Promise.resolve(leases[0]),
    now: () => clock,
  });
  try {
    await sweeper.start();
    assert.deepEqual([sweeps, leases], [1, [1_010]]);
    for (const end = Date.now() + 5_000; sweeps < 2 && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual([sweeps, leases], [2, []]);
  } finally {
    await sweeper.close();
  }
});

Deno.test("LeaseSweeper waits before sweeping again for a lease its sweep left in place", async () => {
  // The sweep failed to remove an ended lease (its policy does not load): no tight loop.
  let sweeps = 0;
  const sweeper = new LeaseSweeper({
    sweep: () => Promise.resolve(sweeps++),
    nextExpiry: () => Promise.resolve(500),
    now: () => 1_000,
  });
  try {
    await sweeper.start();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sweeps, 1);
  } finally {
    await sweeper.close();
  }
});
