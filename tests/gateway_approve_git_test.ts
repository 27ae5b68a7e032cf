/**
 * ProposalStore.approve() around Git: a patch applied by hand with git am, the push before
 * the commit and its rollback, and a policy file that cannot be replaced.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore, type StoreChange } from "../gateway/mod.ts";
import { makeRepo, putProposal, submitted, TEAM_POLICY } from "./gateway_fixtures.ts";

const readPolicy = async (dir: string) => await Deno.readTextFile(join(dir, "team.yaml"));

Deno.test("a pending patch applied by hand with git am is recorded as approved", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submitted(store);
    await repo.git("am", "--quiet", join("policies", "pending", `${id}.patch`));
    const status = await store.status(id);
    assert.equal(status?.status, "approved");
    assert.equal(status?.approvedRevision, 3);
    const record = await store.get(id);
    assert.match(record?.meta.decision?.by ?? "", /manual/);
    // The next approval bumps from the file's revision as usual.
    const next = putProposal();
    next.ruleName = "later";
    const later = await submitted(store, next);
    assert.equal((await store.approve(later, { approvedBy: "alice" })).revision, 4);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.approve() pushes the written policy before the commit, and a rollback after", async () => {
  const repo = await makeRepo();
  try {
    const changes: StoreChange[] = [];
    const atCommit: StoreChange[] = [];
    const store = new ProposalStore({
      policiesDir: repo.policies,
      beforeStep: (step) => void (step === "commit" && atCommit.push(...changes)),
    });
    store.subscribe((c) => changes.push(c));
    const id = await submitted(store);
    changes.length = 0;
    await store.approve(id, { approvedBy: "alice" });
    const pushed = atCommit.find((c) => c.kind === "policy");
    assert.ok(pushed?.kind === "policy");
    assert.equal(pushed.revision, 4);
    assert.equal(pushed.text, await readPolicy(repo.policies));
    // A commit that fails rolls the file back, and the old policy is pushed again.
    const second = await submitted(store, { ...putProposal(), ruleName: "other" });
    changes.length = 0;
    // A held index lock makes the commit fail (hooks never run, so one cannot fail it).
    await Deno.writeTextFile(join(repo.root, ".git", "index.lock"), "");
    await assert.rejects(store.approve(second, { approvedBy: "alice" }));
    await Deno.remove(join(repo.root, ".git", "index.lock"));
    const revisions = changes.flatMap((c) => c.kind === "policy" ? [[c.revision, c.text]] : []);
    assert.deepEqual(revisions, [
      [5, revisions[0]?.[1]],
      [4, await readPolicy(repo.policies)],
    ]);
    assert.equal((await store.status(second))?.status, "pending");
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.approve() keeps the proposal pending and unstamped when the policy cannot be replaced", async () => {
  const repo = await makeRepo();
  const path = join(repo.policies, "team.yaml");
  try {
    const changes: StoreChange[] = [];
    const store = new ProposalStore({
      policiesDir: repo.policies,
      // A directory in the policy's place makes the rename fail after the stamp's.
      beforeStep: async (step) => {
        if (step !== "write") return;
        await Deno.rename(path, `${path}.aside`);
        await Deno.mkdir(path);
      },
    });
    store.subscribe((c) => changes.push(c));
    const id = await submitted(store);
    const patch = await Deno.readTextFile(join(repo.policies, "pending", `${id}.patch`));
    changes.length = 0;
    await assert.rejects(store.approve(id, { approvedBy: "alice" }));
    await Deno.remove(path);
    await Deno.rename(`${path}.aside`, path);
    assert.equal(await readPolicy(repo.policies), TEAM_POLICY);
    assert.equal(await Deno.readTextFile(join(repo.policies, "pending", `${id}.patch`)), patch);
    assert.equal((await store.status(id))?.status, "pending");
    assert.deepEqual(changes.filter((c) => c.kind === "policy"), []);
    const temps = [...Deno.readDirSync(repo.policies)].filter((e) => e.name.endsWith(".tmp"));
    assert.deepEqual(temps, []);
  } finally {
    await repo.cleanup();
  }
});
