/**
 * Gateways sharing one Git remote (`file://`), in one process: decisions pushed as
 * fast-forwards, lost races retried on the new tip, conflicts and an unreachable remote refused.
 * The three-host version over smart HTTP is `remote_hosts_test.ts`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { GatewayClient, type RunningGateway, startGateway } from "../gateway/mod.ts";
import { RemoteSync, RemoteSyncError } from "../gateway/remote/mod.ts";
import { git, makeRemote, openRemoteClone, revisions, ruleProposal } from "./remote_support.ts";

async function twoGateways(dir: string, bare: string): Promise<RunningGateway[]> {
  const out: RunningGateway[] = [];
  for (const name of ["a", "b"]) {
    out.push(
      await startGateway({
        policiesDir: join(dir, name),
        stateDir: join(dir, `${name}-state`),
        listen: "127.0.0.1:0",
        remote: { url: `file://${bare}`, fetchIntervalMs: 60_000, hookListen: "127.0.0.1:0" },
      }),
    );
  }
  return out;
}

async function submit(gw: RunningGateway, key: string, host: string): Promise<string> {
  const result = await gw.store.submit({ ...ruleProposal(key, host), sandbox: "sb-test" });
  assert.ok(result.accepted, JSON.stringify(result));
  return result.proposal.id;
}

async function signal(gw: RunningGateway): Promise<void> {
  const response = await fetch(gw.hookUrl!, { method: "POST" });
  await response.body?.cancel();
  assert.equal(response.status, 202);
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("Timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("remote #19: an approval on gateway A is pushed and gateway B serves it after a fetch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const bare = await makeRemote(dir);
  const [a, b] = await twoGateways(dir, bare);
  try {
    const id = await submit(a!, "example_api", "api.example.com");
    const bob = new GatewayClient({ url: b!.url, token: await b!.credentials.addReviewer("bob") });
    // The pending proposal travels with the repository: B's reviewer sees it after a signal.
    await until(async () => {
      await signal(b!);
      return (await bob.list("pending")).some((p) => p.id === id);
    });
    const result = await a!.store.approve(id, { approvedBy: "alice" });
    assert.equal(result.revision, 4);
    assert.deepEqual(await revisions(bare), [4, 3]);
    assert.match(await git(bare, "show", "main:team.yaml"), /example_api:/);
    assert.match(
      await git(bare, "ls-tree", "-r", "--name-only", "main"),
      new RegExp(`approved/${id}`),
    );
    await until(async () => {
      await signal(b!);
      return (await bob.policy("team"))?.revision === 4;
    });
    assert.equal((await b!.store.get(id))?.state, "approved");
  } finally {
    await a!.close();
    await b!.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: two approvals racing on A and B both land with consecutive revisions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const bare = await makeRemote(dir);
  const [a, b] = await twoGateways(dir, bare);
  try {
    const idA = await submit(a!, "api_a", "a.example.com");
    const idB = await submit(b!, "api_b", "b.example.com");
    const [ra, rb] = await Promise.all([
      a!.store.approve(idA, { approvedBy: "alice" }),
      b!.store.approve(idB, { approvedBy: "bob" }),
    ]);
    assert.deepEqual([ra.revision, rb.revision].sort(), [4, 5]);
    assert.deepEqual(await revisions(bare), [5, 4, 3]);
    const text = await git(bare, "show", "main:team.yaml");
    assert.match(text, /api_a:/);
    assert.match(text, /api_b:/);
  } finally {
    await a!.close();
    await b!.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: of two proposals of the same rule key, the second approval is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const bare = await makeRemote(dir);
  const [a, b] = await twoGateways(dir, bare);
  try {
    const idA = await submit(a!, "shared_key", "a.example.com");
    const idB = await submit(b!, "shared_key", "b.example.com");
    const results = await Promise.allSettled([
      a!.store.approve(idA, { approvedBy: "alice" }),
      b!.store.approve(idB, { approvedBy: "bob" }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    assert.deepEqual([won.length, lost.length], [1, 1]);
    assert.match(lost[0]!.reason.message, /already has a rule "shared_key"/);
    assert.deepEqual(await revisions(bare), [4, 3]);
  } finally {
    await a!.close();
    await b!.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: with the remote unreachable an approval is refused and nothing changes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const bare = await makeRemote(dir);
  const [a, b] = await twoGateways(dir, bare);
  try {
    const id = await submit(a!, "api_a", "a.example.com");
    await Deno.rename(bare, `${bare}.away`);
    await assert.rejects(
      () => a!.store.approve(id, { approvedBy: "alice" }),
      (error: Error) =>
        error instanceof RemoteSyncError && /the policy remote is unreachable/.test(error.message),
    );
    const text = await Deno.readTextFile(join(dir, "a", "team.yaml"));
    assert.equal(/^(?:# tollgate-)?revision: (\d+)/m.exec(text)?.[1], "3");
    assert.equal((await a!.store.get(id))?.state, "pending");
    await Deno.rename(`${bare}.away`, bare);
  } finally {
    await a!.close();
    await b!.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: a status read that meets a sync half-way (the proposal's files moved by a rebase) reads again after it, never a vanished proposal", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const bare = await makeRemote(dir);
  const { policiesDir, sync, store } = await openRemoteClone(dir, bare);
  try {
    const submitted = await store.submit({
      ...ruleProposal("example_api", "api.example.com"),
      sandbox: "sb-test",
    });
    assert.ok(submitted.accepted);
    const id = submitted.proposal.id;
    const pending = join(policiesDir, "pending");
    const release = Promise.withResolvers<void>();
    const entered = Promise.withResolvers<void>();
    // A sync in progress: the queue is held while the proposal's files are away, as in a rebase.
    const held = sync.publish("hold the queue", async () => {
      await Deno.rename(pending, `${pending}.moved`);
      entered.resolve();
      await release.promise;
      await Deno.rename(`${pending}.moved`, pending);
    });
    await entered.promise;
    const read = store.get(id);
    // Release the sync once the read has answered (it must not while the files are away), or
    // after a while (the read is waiting for the sync, as it should).
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      read.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, 300)),
    ]);
    clearTimeout(timer);
    release.resolve();
    await held;
    assert.equal((await read)?.id, id, "the proposal vanished during the sync");
  } finally {
    await sync.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: a remote without the branch to follow fails to start naming --branch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  try {
    const bare = await makeRemote(dir);
    const policiesDir = join(dir, "clone");
    const open = RemoteSync.open({ policiesDir, url: `file://${bare}`, branch: "master" });
    // It ended at git's own "Remote branch master not found in upstream origin".
    await assert.rejects(open, (error: Error) => {
      assert.ok(error instanceof RemoteSyncError);
      assert.equal(
        error.message,
        `Cannot start: git clone of file://${bare} failed: it has no branch "master"; ` +
          "pass --branch with one of its branches",
      );
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
