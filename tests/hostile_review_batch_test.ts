/**
 * A hostile agent against the reviewer's quick paths: `proposals watch` and an interactive
 * `proposals approve --all`. Before, the watch line's approve command named no policy hash, so a
 * reviewer approving from it approved against whatever the policy had become; and `--all` showed
 * every proposal's checks as read before the batch's own approvals changed the policy, so a
 * plain L4 grant that an earlier approval in the batch turned into a way around its new L7 rules
 * (`use_l7_not_l4`) was listed under "no warnings", and its approval then failed on a check the
 * reviewer had never been shown. Now the watch line names the hash it was read against, and
 * `--all` re-reads each proposal before approving it, asking again (and approving against the
 * hash it showed) when its checks changed.
 */
import assert from "node:assert/strict";
import { runCli } from "../cli/mod.ts";
import { ProposalStore } from "../gateway/mod.ts";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { captureCtx, makeRepo, putProposal } from "./gateway_fixtures.ts";

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("hostile review batch: the watch line's approve command names the policy hash it was read against", async () => {
  const repo = await makeRepo();
  const io = captureCtx(repo.root, { env: {} });
  const running = runCli(["proposals", "watch"], io.ctx);
  try {
    await until(() => io.out.join("").includes("Watching"), "the watch to start");
    const store = new ProposalStore({ policiesDir: repo.policies });
    const submitted = await store.submit({ ...putProposal("write x.md"), sandbox: "sb-1" });
    assert.ok(submitted.accepted);
    const id = submitted.proposal.id;
    await until(() => io.out.join("").includes(id), "the proposal line");
    const line = io.out.find((l) => l.includes(id))!;
    const command = new RegExp(`tollgate proposals approve ${id} --policy-hash ([0-9a-f]{64})`)
      .exec(line);
    assert.ok(command, `no runnable approve command with a hash: ${line}`);
    const status = await store.status(id);
    assert.equal(command[1], status?.currentPolicyHash);
    // The command as printed approves.
    const args = command[0].split(" ").slice(1);
    const run = captureCtx(repo.root, { env: {} });
    assert.equal(await runCli(args, run.ctx), 0, run.err.join(""));
    assert.equal((await store.get(id))?.state, "approved");
  } finally {
    io.controller.abort();
    assert.equal(await running, 0);
    await repo.cleanup();
  }
});

/**
 * A rule for docs.example.com:8443 by curl: L7 (PUT /x) or plain L4 (on 443 an L4 grant warns
 * on its own; on 8443 only beside an L7 endpoint).
 */
function docsRule(ruleName: string, l7: boolean): ProposalInput {
  const endpoint = l7
    ? {
      host: "docs.example.com",
      port: 8443,
      protocol: "rest",
      rules: [{ allow: { method: "PUT", path: "/x" } }],
    }
    : { host: "docs.example.com", port: 8443 };
  return {
    policy: "team",
    ruleName,
    rationale: "docs",
    rule: { name: ruleName, endpoints: [endpoint], binaries: [{ path: "/usr/bin/curl" }] },
  } as ProposalInput;
}

for (const again of [true, false]) {
  Deno.test(`hostile review batch: \`approve --all\` re-reads each proposal after the batch's earlier approvals and asks again when its checks changed (${again ? "yes" : "no"})`, async () => {
    const repo = await makeRepo();
    try {
      const store = new ProposalStore({ policiesDir: repo.policies });
      const l7 = await store.submit(docsRule("docs_put", true));
      // Listed (and approved) second: ids sort by their second, then at random.
      const later = new ProposalStore({
        policiesDir: repo.policies,
        now: () => new Date(Date.now() + 2000),
      });
      const l4 = await later.submit(docsRule("docs_any", false));
      assert.ok(l7.accepted && l4.accepted);
      const questions: string[] = [];
      const c = captureCtx(repo.root, { isTTY: true });
      c.ctx.confirm = (question) => (questions.push(question), questions.length === 1 || again);
      await runCli(["proposals", "approve", "--all"], c.ctx);
      assert.equal(
        questions[0],
        "Approve all 2 pending proposal(s)?",
        "the list showed no warning",
      );
      assert.equal((await store.get(l7.proposal.id))?.state, "approved");
      // Before: not asked; the approval failed on a check nobody had been shown.
      assert.equal(questions.length, 2, `${questions.join("\n")}\n${c.err.join("")}`);
      assert.match(questions[1]!, new RegExp(`${l4.proposal.id}.*use_l7_not_l4`));
      assert.equal((await store.get(l4.proposal.id))?.state, again ? "approved" : "pending");
      assert.equal(c.err.join(""), "");
    } finally {
      await repo.cleanup();
    }
  });
}
