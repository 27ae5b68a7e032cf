/**
 * Clones the remote has moved past since their last fetch (no hook, no fetch interval): a
 * decision there starts on the clone's HEAD while `git ls-remote` asks for the tip, so these
 * check that it still ends on the remote's tip, that nothing of a run on the stale HEAD reaches
 * the remote, and that change signals arriving while a sync runs are neither lost nor doubled.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { RemoteProposalStore, RemoteSync } from "../gateway/remote/mod.ts";
import { withDirectoryLock } from "../gateway/repo/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import { git, makeRemote, revisions, ruleProposal } from "./remote_support.ts";

type Clone = {
  policiesDir: string;
  sync: RemoteSync;
  store: RemoteProposalStore;
  /** The store's audit events, as `CONFIG:<state> <proposal id>`. */
  logged: string[];
};

async function openClone(dir: string, bare: string, name: string): Promise<Clone> {
  const policiesDir = join(dir, name);
  const sync = await RemoteSync.open({ policiesDir, url: `file://${bare}`, fetchIntervalMs: 0 });
  await sync.start();
  const logged: string[] = [];
  const emit = (event: OcsfEvent) => {
    const unmapped = event.unmapped as { config_state?: string; proposal_id?: string } | undefined;
    logged.push(`CONFIG:${unmapped?.config_state} ${unmapped?.proposal_id}`);
  };
  return { policiesDir, sync, store: new RemoteProposalStore({ policiesDir, emit }, sync), logged };
}

async function submit(clone: Clone, key: string, host: string): Promise<string> {
  const result = await clone.store.submit({ ...ruleProposal(key, host), sandbox: "sb-test" });
  assert.ok(result.accepted, JSON.stringify(result));
  await clone.sync.settled(); // its background push
  return result.proposal.id;
}

async function withClones(test: (a: Clone, b: Clone, bare: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-" });
  const bare = await makeRemote(dir);
  const a = await openClone(dir, bare, "a");
  const b = await openClone(dir, bare, "b");
  try {
    await test(a, b, bare);
  } finally {
    await a.sync.close();
    await b.sync.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("remote #19: a clone that never fetched a proposal submitted on another gateway approves it on the remote's tip, not as unknown", async () => {
  await withClones(async (a, b, bare) => {
    const id = await submit(b, "example_api", "api.example.com");
    // A has not seen the proposal: on its own HEAD the approval fails as unknown.
    assert.equal(await Deno.stat(join(a.policiesDir, "pending", `${id}.patch`)).catch(() => 0), 0);
    const result = await a.store.approve(id, { approvedBy: "alice" });
    assert.equal(result.revision, 4);
    assert.deepEqual(await revisions(bare), [4, 3]);
    assert.match(await git(bare, "ls-tree", "-r", "--name-only", "main"), /approved\/p-/);
  });
});

Deno.test("remote #19: a decision on a clone behind the remote is undone before any push and runs again on the tip", async () => {
  await withClones(async (a, b, bare) => {
    const idA = await submit(a, "api_a", "a.example.com");
    const idB = await submit(b, "api_b", "b.example.com");
    await b.store.approve(idB, { approvedBy: "bob" });
    const stale = (await git(a.policiesDir, "rev-parse", "HEAD")).trim();
    assert.notEqual(stale, (await git(bare, "rev-parse", "main")).trim());
    const result = await a.store.approve(idA, { approvedBy: "alice" });
    // On A's stale HEAD the approval would have been revision 4 beside B's: it is 5, after it.
    assert.equal(result.revision, 5);
    assert.deepEqual(await revisions(bare), [5, 4, 3]);
    assert.equal(await git(bare, "rev-list", "--merges", "main"), "");
    const text = await git(bare, "show", "main:team.yaml");
    assert.match(text, /api_a:/);
    assert.match(text, /api_b:/);
    // The run on the stale HEAD was undone in A's clone (a reset back to it) and never pushed:
    // A's commits the remote lacks all descend from the stale HEAD.
    const reflog = await git(a.policiesDir, "reflog", "--format=%gs");
    assert.match(reflog, /^reset: moving to /m);
    const pushed = await git(bare, "rev-list", "main");
    const undone = (await git(a.policiesDir, "rev-list", "--reflog")).split("\n")
      .filter((c) => c && !pushed.includes(c));
    assert.ok(undone.length > 0);
    for (const commit of undone) {
      await git(a.policiesDir, "merge-base", "--is-ancestor", stale, commit); // throws if not
    }
    // The audit log tells of the approval that landed, once.
    assert.deepEqual(a.logged.filter((l) => l.startsWith("CONFIG:APPROVED")), [
      `CONFIG:APPROVED ${idA}`,
    ]);
  });
});

Deno.test("remote #19: an approval refused because the remote is unreachable logs no CONFIG:APPROVED and changes nothing", async () => {
  await withClones(async (a, _b, bare) => {
    const id = await submit(a, "api_a", "a.example.com");
    const head = await git(a.policiesDir, "rev-parse", "HEAD");
    await Deno.rename(bare, `${bare}.away`);
    try {
      await assert.rejects(
        a.store.approve(id, { approvedBy: "alice" }),
        /the policy remote is unreachable/,
      );
    } finally {
      await Deno.rename(`${bare}.away`, bare);
    }
    assert.deepEqual(a.logged.filter((l) => l.startsWith("CONFIG:APPROVED")), []);
    assert.equal(await git(a.policiesDir, "rev-parse", "HEAD"), head);
    assert.equal((await a.store.get(id))?.state, "pending");
    assert.equal((await git(a.policiesDir, "status", "--porcelain")).trim(), "");
  });
});

/** Resolves once some process waits for the flock on `file` (a line " -> FLOCK" in /proc/locks). */
async function someoneWaitsFor(file: string): Promise<void> {
  const { ino } = await Deno.stat(file);
  const end = Date.now() + 20_000;
  const waiting = new RegExp(`^\\d+: -> FLOCK .*:${ino} `, "m");
  while (!waiting.test(await Deno.readTextFile("/proc/locks"))) {
    if (Date.now() > end) throw new Error("Timed out waiting for the sync to wait for the lock");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("remote #19: change signals that arrive twice while a sync runs (it fetched before the push) are kept as one more sync: the clone ends at the remote's tip", async () => {
  await withClones(async (a, b, bare) => {
    const before = (await git(bare, "rev-parse", "main")).trim();
    let tip = "";
    // B's sync fetched the old tip and waits for the policies lock (held here, as an approval
    // on B would hold it) while A's push lands and the hook signals B twice.
    await withDirectoryLock(b.policiesDir, async () => {
      b.sync.poke();
      await someoneWaitsFor(join(b.policiesDir, ".tollgate.lock"));
      const id = await submit(a, "api_a", "a.example.com");
      await a.store.approve(id, { approvedBy: "alice" });
      tip = (await git(bare, "rev-parse", "main")).trim();
      b.sync.poke();
      b.sync.poke();
    });
    assert.notEqual(tip, before);
    await b.sync.settled();
    assert.equal((await git(b.policiesDir, "rev-parse", "HEAD")).trim(), tip);
    assert.match(await Deno.readTextFile(join(b.policiesDir, "team.yaml")), /api_a:/);
    assert.equal((await git(b.policiesDir, "status", "--porcelain")).trim(), "");
  });
});
