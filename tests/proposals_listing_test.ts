import assert from "node:assert/strict";
import { join } from "node:path";
import { proposalJson, ProposalStore, renderProposalList } from "../gateway/mod.ts";
import { quickPendingList } from "../gateway/listing/mod.ts";
import { captureCtx, HOSTILE_RATIONALE, makeRepo, putProposal } from "./gateway_fixtures.ts";
import { runCli } from "../cli/mod.ts";
import { quickProposalsList } from "../cli/quick_proposals_list.ts";

async function submit(store: ProposalStore, file: string, rationale?: string): Promise<string> {
  const input = { ...putProposal(rationale), sandbox: "sb-1" };
  // A rule already pending for the sandbox is not stored twice: vary the path.
  input.rule.endpoints[0]!.rules = [{
    allow: { method: "PUT", path: `/repos/o/r/contents/${file}` },
  }];
  const result = await store.submit(input);
  assert.ok(result.accepted);
  return result.proposal.id;
}

/** The listing and the whole read agree, as JSON and as the table. */
async function assertSameAsWholeRead(store: ProposalStore): Promise<void> {
  const listed = await store.listing();
  const whole = await store.list();
  assert.deepEqual(listed.map(proposalJson), whole.map(proposalJson));
  assert.equal(renderProposalList(listed, true), renderProposalList(whole, true));
}

Deno.test("ProposalStore.listing() from seals shows what reading each patch shows", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const first = await submit(store, "a.md", HOSTILE_RATIONALE);
    await submit(store, "b.md", "line one\nline two");
    await submit(store, "c.md");
    assert.ok(await quickPendingList(repo.policies), "current seals list without a whole read");
    await assertSameAsWholeRead(store);
    // The policy moves: findings are recomputed (the quick list then declines).
    await store.approve(first, { approvedBy: "alice" });
    assert.equal(await quickPendingList(repo.policies), undefined);
    await assertSameAsWholeRead(store);
    // ...and kept (never committed): the next listing reads them from the findings cache.
    assert.doesNotMatch(
      await repo.git("status", "--porcelain", "--untracked-files=all"),
      /findings/,
    );
    const cached = await quickPendingList(repo.policies);
    const pending = await store.list({ status: "pending" });
    assert.deepEqual(cached?.map(proposalJson), pending.map(proposalJson));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.listing() reads a seal without a listing (an older one) whole", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submit(store, "a.md", "old");
    await submit(store, "b.md", "new");
    const sealFile = join(repo.policies, "pending", ".index", `${id}.json`);
    const { listing: _, ...old } = JSON.parse(await Deno.readTextFile(sealFile));
    await Deno.writeTextFile(sealFile, JSON.stringify(old) + "\n");
    assert.equal(await quickPendingList(repo.policies), undefined);
    await assertSameAsWholeRead(store);
    assert.equal((await store.listing()).length, 2);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.listing() notes a pending patch edited after submit", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submit(store, "a.md");
    const file = join(repo.policies, "pending", `${id}.patch`);
    const text = await Deno.readTextFile(file);
    await Deno.writeTextFile(file, text.replace("/repos/o/r/contents/a.md", "/**"));
    const [shown] = await store.listing();
    assert.equal(shown?.meta.findings[0]?.code, "patch_changed");
    assert.equal(
      (await quickPendingList(repo.policies))?.[0]?.meta.findings[0]?.code,
      "patch_changed",
    );
  } finally {
    await repo.cleanup();
  }
});

Deno.test("quickProposalsList() prints what the full proposals list prints, or declines", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const first = await submit(store, "a.md", HOSTILE_RATIONALE);
    await submit(store, "b.md");
    const forms = [
      ["proposals", "list"],
      ["proposals", "list", "--json"],
      ["proposals", "list", "--status=pending", "--policies", "policies"],
    ];
    for (const args of forms) {
      for (const isTTY of [false, true]) {
        const quick = captureCtx(repo.root, { isTTY });
        assert.equal(await quickProposalsList(args, quick.ctx), 0, args.join(" "));
        const full = captureCtx(repo.root, { isTTY });
        assert.equal(await runCli(args, full.ctx), 0);
        assert.equal(quick.out.join(""), full.out.join(""), args.join(" "));
      }
    }
    // Help, bad usage, a missing directory and decided proposals are the full command's.
    const declined = [
      ["proposals", "list", "--help"],
      ["proposals", "list", "--status", "done"],
      ["proposals", "list", "--policies", "nowhere"],
      ["proposals", "show", first],
    ];
    for (const args of declined) {
      assert.equal(await quickProposalsList(args, captureCtx(repo.root).ctx), undefined);
    }
    await store.approve(first, { approvedBy: "alice" });
    assert.equal(
      await quickProposalsList(["proposals", "list"], captureCtx(repo.root).ctx),
      undefined,
    );
    const pending = ["proposals", "list", "--status", "pending"];
    // The policy moved: the full command recomputes the findings once, then the quick one lists.
    assert.equal(await quickProposalsList(pending, captureCtx(repo.root).ctx), undefined);
    const full = captureCtx(repo.root);
    assert.equal(await runCli(pending, full.ctx), 0);
    const quick = captureCtx(repo.root);
    assert.equal(await quickProposalsList(pending, quick.ctx), 0);
    assert.equal(quick.out.join(""), full.out.join(""));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("ProposalStore.refresh() writes the re-drafted proposal's listing into its seal", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submit(store, "a.md");
    // Someone adds a rule with the proposal's key by hand: refresh renames it.
    const file = join(repo.policies, "team.yaml");
    const manual = (await Deno.readTextFile(file)).replace(
      "\nfilesystem_policy:",
      "  gh_contents_write:\n    endpoints: [{ host: example.com, port: 443 }]\n    binaries: [{ path: /bin/true }]\n\nfilesystem_policy:",
    );
    await Deno.writeTextFile(file, manual);
    await store.refresh(id);
    const quick = await quickPendingList(repo.policies);
    assert.equal(quick?.[0]?.meta.ruleKey, "gh_contents_write_2");
    assert.deepEqual(quick?.map(proposalJson), (await store.list()).map(proposalJson));
  } finally {
    await repo.cleanup();
  }
});
