import assert from "node:assert/strict";
import { join } from "node:path";
import { HolderScan } from "./_holder_scan.ts";

const WORKER = new URL("./_holder_scan_worker.ts", import.meta.url);

Deno.test("HolderScan keeps its worker when a scan fails: a new Worker while out of descriptors aborts Deno", async () => {
  const dir = await Deno.makeTempDir();
  const procRoot = join(dir, "proc");
  let starts = 0;
  const scan = new HolderScan(procRoot, {
    startWorker: () => {
      starts++;
      return new Worker(WORKER, { type: "module" });
    },
  });
  try {
    // No procfs there yet: the scan fails and so does the lookup.
    await assert.rejects(scan.holders(42), /cannot read/);
    // A process 123 holding socket 42 appears; the same worker finds it.
    await Deno.mkdir(join(procRoot, "123", "fd"), { recursive: true });
    await Deno.symlink("socket:[42]", join(procRoot, "123", "fd", "3"));
    assert.deepEqual(await scan.holders(42), [123]);
    assert.deepEqual(await scan.holders(7), []);
    assert.equal(starts, 1);
  } finally {
    scan.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HolderScan with eager starts its one worker before the first lookup", async () => {
  const dir = await Deno.makeTempDir();
  let starts = 0;
  const scan = new HolderScan(dir, {
    eager: true,
    startWorker: () => {
      starts++;
      return new Worker(WORKER, { type: "module" });
    },
  });
  try {
    assert.equal(starts, 1);
    await Deno.mkdir(join(dir, "123", "fd"), { recursive: true });
    await Deno.symlink("socket:[42]", join(dir, "123", "fd", "3"));
    assert.deepEqual(await scan.holders(42), [123]);
    assert.equal(starts, 1);
  } finally {
    scan.close();
    await Deno.remove(dir, { recursive: true });
  }
});
