import assert from "node:assert/strict";
import { SyncWrites } from "./_sync_writes.ts";

Deno.test("SyncWrites pauses synchronous writes for a while after a slow one, not after a fast one", () => {
  let clock = 0;
  const writes = new SyncWrites({ slowMs: 1, pauseMs: 100, now: () => clock });
  assert.equal(writes.run(() => "fast"), "fast");
  assert.equal(writes.allowed, true);
  assert.throws(() =>
    writes.run(() => {
      clock += 2;
      throw new Error("disk full");
    })
  );
  assert.equal(writes.allowed, false);
  clock += 99;
  assert.equal(writes.allowed, false);
  clock += 1;
  assert.equal(writes.allowed, true);
});
