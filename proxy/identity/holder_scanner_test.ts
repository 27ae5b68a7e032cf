import assert from "node:assert/strict";
import { HolderScanner, type ScanAnswer, type ScanTable } from "./_holder_scanner.ts";

/**
 * A process table of `count` pids (newest first), where pid `1000 + inode` holds each socket
 * asked for, each read taking `readMs` of the thread (so that a scan takes turns). `vanishing`
 * holds its socket only until the first read that sees it, as a client that closes early.
 */
function fakeTable(count: number, readMs: number, vanishing?: { pid: number; inode: number }) {
  const reads: number[][] = [];
  let vanished = false;
  const table: ScanTable = {
    pidsNewestFirst: () => Array.from({ length: count }, (_, i) => 1000 + count - i),
    holdersAmong(inodes, pids) {
      reads.push([...pids]);
      const until = performance.now() + readMs;
      while (performance.now() < until) { /* a read of many descriptors */ }
      const found = new Map<number, number[]>();
      for (const inode of inodes) {
        if (vanishing?.inode === inode) {
          if (!vanished && pids.includes(vanishing.pid)) found.set(inode, [vanishing.pid]);
          vanished ||= pids.includes(vanishing.pid);
        } else if (pids.includes(1000 + inode)) found.set(inode, [1000 + inode]);
      }
      return found;
    },
  };
  return { table, reads };
}

function collect() {
  const answers = new Map<number, number[]>();
  const post = (answer: ScanAnswer) => {
    if ("error" in answer) throw new Error(answer.error);
    for (const [id, pids] of answer.answers) answers.set(id, pids);
  };
  return { answers, post };
}

Deno.test("HolderScanner reads the newest processes once for all the lookups that arrive during a scan, not once each", async () => {
  // A burst of connections while a scan runs: each lookup's early read of the 64 newest
  // processes was its own, so N clients (one process holding N sockets) cost N reads of
  // N descriptors. 300 idle connections to a shared proxy held every other client's new
  // connection 5-8 s behind them.
  const { table, reads } = fakeTable(200, 6);
  const { answers, post } = collect();
  const scanner = new HolderScanner(table, post);
  scanner.lookup(0, 1); // starts a scan: its first slice is read now, then it takes a turn
  for (let id = 1; id <= 50; id++) scanner.lookup(id, 1 + id);
  while (answers.size < 51) await new Promise((resolve) => setTimeout(resolve, 1));
  for (let id = 0; id <= 50; id++) assert.deepEqual(answers.get(id), [1001 + id], `lookup ${id}`);
  // Two full scans of 4 slices each, and the early reads: one per turn, not one per lookup.
  const early = reads.length - 8;
  assert.ok(early >= 1 && early <= 4, `${early} early reads for 50 lookups`);
  scanner.close();
});

Deno.test("HolderScanner still finds a holder that closes its socket before the next scan reads it", async () => {
  // Pid 1200, the newest, holds socket 7 only until something reads it: the lookup for 7
  // arrives while a scan runs, so the next full scan comes too late; the early read does not.
  const { table } = fakeTable(200, 6, { pid: 1200, inode: 7 });
  const { answers, post } = collect();
  const scanner = new HolderScanner(table, post);
  scanner.lookup(0, 1);
  scanner.lookup(1, 7);
  while (answers.size < 2) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.deepEqual(answers.get(1), [1200]);
  scanner.close();
});
