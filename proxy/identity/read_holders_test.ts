import assert from "node:assert/strict";
import { readHolders } from "./_single_identity.ts";

Deno.test("readHolders gives the event loop turns while it reads many holders' chains", async () => {
  // A client can hand one socket to thousands of processes (fork, SCM_RIGHTS): each chain is
  // read on the proxy's event loop (0.35-0.45 ms each here), so one lookup of 450 holders held
  // every other client of a shared proxy about 200 ms in one piece.
  let turned = false;
  let seenTurn = 0;
  setTimeout(() => turned = true, 0);
  const pids = Array.from({ length: 400 }, (_, i) => 5000 - i);
  const holders = await readHolders(pids, (pid) => {
    const until = performance.now() + 0.1;
    while (performance.now() < until) { /* stat and exe reads */ }
    if (turned && seenTurn === 0) seenTurn = pid;
    return ["/usr/bin/python3.11"];
  }, () => true);
  assert.equal(holders.length, 400);
  assert.deepEqual(holders[0], { pid: 5000, chain: ["/usr/bin/python3.11"] });
  assert.ok(seenTurn > 4601, `no timer ran while the 400 chains were read (${seenTurn})`);
});

Deno.test("readHolders drops a holder that exited and fails a pid outside the sandbox", async () => {
  const chains: Record<number, string[] | null> = { 3: ["/usr/bin/curl"], 2: [], 1: null };
  assert.deepEqual(await readHolders([3, 2], (pid) => chains[pid]!, () => false), [
    { pid: 3, chain: ["/usr/bin/curl"] },
  ]);
  await assert.rejects(
    readHolders([3, 1], (pid) => chains[pid]!, () => true),
    /pid 1 is not a process of this sandbox/,
  );
});
