import assert from "node:assert/strict";
import { TreeScan, type TreeTable } from "./_tree_scan.ts";

/**
 * A tree of `count` processes below pid 100, where pid `1000 + inode` holds each socket
 * asked for (when in the tree), each read taking `readMs` of the thread.
 */
function fakeTree(count: number, readMs: number) {
  const reads: number[] = [];
  const table: TreeTable = {
    tree: (root) => [root, ...Array.from({ length: count - 1 }, (_, i) => 1000 + count - 1 - i)],
    holdersAmong(inodes, pids) {
      reads.push(inodes.length);
      const until = performance.now() + readMs;
      while (performance.now() < until) { /* a read of many descriptors */ }
      const found = new Map<number, number[]>();
      for (const inode of inodes) {
        if (pids.includes(1000 + inode)) found.set(inode, [1000 + inode]);
      }
      return found;
    },
  };
  return { table, reads };
}

Deno.test("TreeScan answers a burst of lookups with a few reads of the tree, not one each", async () => {
  // A sandbox holding many sockets opens 50 more connections at once: each lookup read
  // every descriptor of the tree alone (N lookups × N descriptors, none of them yielding).
  const { table, reads } = fakeTree(40, 2);
  const scan = new TreeScan(table, () => 100);
  const lookups = Array.from({ length: 50 }, (_, i) => scan.holders(1 + (i % 30)));
  const answers = await Promise.all(lookups);
  answers.forEach((pids, i) => assert.deepEqual(pids, [1001 + (i % 30)], `lookup ${i}`));
  // The first lookup's read, then one read for the 49 that arrived while it ran.
  assert.deepEqual(reads, [1, 49]);
  scan.close();
});

Deno.test("TreeScan answers a small tree within the same turn, and fails what waits once closed", async () => {
  const { table } = fakeTree(3, 0);
  const scan = new TreeScan(table, () => 100);
  const order: string[] = [];
  const timer = new Promise((resolve) => setTimeout(resolve, 0)).then(() => order.push("timer"));
  const answer = scan.holders(2).then((pids) => order.push(`holders ${pids}`));
  await Promise.all([timer, answer]);
  assert.deepEqual(order, ["holders 1002", "timer"]);
  // No root yet (the sandbox has not started): nobody holds anything.
  assert.deepEqual(await new TreeScan(table, () => undefined).holders(2), []);
  const slow = new TreeScan(fakeTree(40, 2).table, () => 100);
  const first = slow.holders(1);
  const waiting = slow.holders(2); // queued behind the first read's turn
  assert.deepEqual(await first, [1001]);
  slow.close();
  await assert.rejects(waiting, /identity resolver closed/);
  scan.close();
});
