/** ProposalStore.approve(), reject() and wait(): what a decision writes, commits and refuses. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { ProposalConflictError, ProposalStore, type StoreChange } from "../gateway/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import { makeRepo, putProposal, submitted, TEAM_POLICY } from "./gateway_fixtures.ts";

const readPolicy = async (dir: string) => await Deno.readTextFile(join(dir, "team.yaml"));

Deno.test("ProposalStore.approve() applies, bumps, commits with trailers and moves the patch", async () => {
  const repo = await makeRepo();
  try {
    const events: OcsfEvent[] = [];
    const changes: StoreChange[] = [];
    const store = new ProposalStore({ policiesDir: repo.policies, emit: (e) => events.push(e) });
    store.subscribe((c) => changes.push(c));
    const id = await submitted(store);
    const result = await store.approve(id, { approvedBy: "alice" });
    assert.equal(result.revision, 4);
    assert.match(result.hash, /^[0-9a-f]{64}$/);
    const text = await readPolicy(repo.policies);
    const policy = parse(text);
    // The revision moves into a comment OpenShell's parser skips (its parser refuses the key).
    assert.equal(policy.revision, undefined);
    assert.deepEqual(Object.keys(policy.network_policies), ["gh_ro", "gh_contents_write"]);
    // The existing rule is untouched: no other binary gains access.
    assert.deepEqual(policy.network_policies.gh_ro, parse(TEAM_POLICY).network_policies.gh_ro);
    assert.ok(
      text.startsWith("# Team policy: reviewed in Git.\nversion: 1\n# tollgate-revision: 4\n"),
    );
    const message = await repo.git("log", "-1", "--format=%B");
    assert.match(message, /^policy\(team\): allow PUT api\.github\.com:443/);
    assert.match(message, new RegExp(`\nProposal-Id: ${id}\n`));
    assert.match(message, /\nApproved-By: alice\n/);
    assert.match(message, /\nPolicy-Revision: 4\n/);
    assert.equal((await repo.git("status", "--porcelain", "--", "policies/team.yaml")).trim(), "");
    const status = await store.status(id);
    assert.equal(status?.status, "approved");
    assert.equal(status?.approvedRevision, 4);
    await Deno.stat(join(repo.policies, "approved", `${id}.patch`));
    await assert.rejects(Deno.stat(join(repo.policies, "pending", `${id}.patch`)));
    assert.ok(events.some((e) => e.state === "APPROVED" || JSON.stringify(e).includes("APPROVED")));
    assert.ok(changes.some((c) => c.kind === "policy" && c.revision === 4));
    await assert.rejects(store.approve(id, { approvedBy: "bob" }), ProposalConflictError);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.reject() moves the patch to rejected/ with reason and guidance", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submitted(store);
    const before = await readPolicy(repo.policies);
    await store.reject(id, {
      reason: "use the contents API of o/r only\x1b[2J",
      guidance: "too_broad",
    });
    const status = await store.status(id);
    assert.equal(status?.status, "rejected");
    assert.equal(status?.guidance, "too_broad");
    assert.equal(status?.rejectionReason, "use the contents API of o/r only\u241b[2J");
    assert.equal(await readPolicy(repo.policies), before);
    await Deno.stat(join(repo.policies, "rejected", `${id}.patch`));
    await assert.rejects(store.approve(id, { approvedBy: "a" }), /already rejected/);
    await assert.rejects(
      store.reject(id, { reason: "x", guidance: "nope" as "too_broad" }),
      TypeError,
    );
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.approve() places several pending rules one after another", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const first = await submitted(store);
    const other = putProposal();
    other.ruleName = "gh_issue_write";
    other.rule.endpoints[0]!.rules = [{ allow: { method: "POST", path: "/repos/o/r/issues" } }];
    const second = await submitted(store, other);
    await store.approve(first, { approvedBy: "alice" });
    const result = await store.approve(second, { approvedBy: "alice" });
    assert.equal(result.revision, 5);
    assert.equal(result.rebased, true);
    const policy = parse(await readPolicy(repo.policies));
    assert.deepEqual(Object.keys(policy.network_policies), [
      "gh_ro",
      "gh_contents_write",
      "gh_issue_write",
    ]);
    // The approved patch holds the diff that was applied, and it applies to the parent.
    const approved = join("policies/approved", `${second}.patch`);
    await repo.git("checkout", "--quiet", "HEAD~1", "--", "policies/team.yaml");
    assert.equal((await repo.gitResult(["apply", "--check", approved])).code, 0);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.approve() refuses a stale proposal and refresh() re-drafts it", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submitted(store);
    // Someone adds a rule with the same key by hand.
    const manual = (await readPolicy(repo.policies)).replace(
      "\nfilesystem_policy:",
      "  gh_contents_write:\n    endpoints: [{ host: example.com, port: 443 }]\n    binaries: [{ path: /bin/true }]\n\nfilesystem_policy:",
    );
    await Deno.writeTextFile(join(repo.policies, "team.yaml"), manual);
    await repo.git("commit", "--quiet", "-am", "manual edit");
    await assert.rejects(
      store.approve(id, { approvedBy: "alice" }),
      (e: Error) => e instanceof ProposalConflictError && /proposals refresh/.test(e.message),
    );
    assert.equal(await readPolicy(repo.policies), manual);
    assert.equal((await store.status(id))?.status, "pending");
    await store.refresh(id);
    assert.equal((await store.status(id))?.ruleName, "gh_contents_write_2");
    const result = await store.approve(id, { approvedBy: "alice" });
    assert.equal(result.revision, 4);
    const policy = parse(await readPolicy(repo.policies));
    assert.deepEqual(policy.network_policies.gh_contents_write.binaries, [{ path: "/bin/true" }]);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.approve() refuses when the section was reformatted since review", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submitted(store);
    const reindented = (await readPolicy(repo.policies)).replaceAll("\n  ", "\n    ");
    await Deno.writeTextFile(join(repo.policies, "team.yaml"), reindented);
    await assert.rejects(store.approve(id, { approvedBy: "a" }), /no longer applies/);
    assert.equal(await readPolicy(repo.policies), reindented);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.approve() works outside Git and on a file without revision", async () => {
  const policy = TEAM_POLICY.replace("revision: 3\n", "");
  const repo = await makeRepo({ git: false, policy });
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submitted(store);
    const result = await store.approve(id, { approvedBy: "alice" });
    assert.equal(result.revision, 1);
    assert.equal(result.commit, undefined);
    assert.ok(
      (await readPolicy(repo.policies)).startsWith(
        "# Team policy: reviewed in Git.\nversion: 1\n# tollgate-revision: 1\n",
      ),
    );
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.wait() resolves when another store decides", async () => {
  const repo = await makeRepo({ git: false });
  try {
    const store = new ProposalStore({ policiesDir: repo.policies, waitRecheckMs: 60_000 });
    const other = new ProposalStore({ policiesDir: repo.policies });
    const id = await submitted(store);
    const controller = new AbortController();
    const waiting = store.wait(id, controller.signal);
    await other.approve(id, { approvedBy: "alice" });
    assert.equal((await waiting)?.status, "approved");
    const id2 = await submitted(store);
    const aborted = new AbortController();
    const pending = store.wait(id2, aborted.signal);
    aborted.abort();
    assert.equal((await pending)?.status, "pending");
    assert.equal(await store.wait("p-bad", controller.signal), undefined);
  } finally {
    await repo.cleanup();
  }
});
