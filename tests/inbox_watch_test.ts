/**
 * `tollgate proposals watch` (#16): one line per new proposal, with its approve command;
 * colour and the bell only on a terminal.
 */
import assert from "node:assert/strict";
import { runCli } from "../cli/mod.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { captureCtx, makeRepo, putProposal } from "./gateway_fixtures.ts";

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const isTTY of [false, true]) {
  Deno.test(`proposals watch #16: prints each new proposal as one line with its approve command (${isTTY ? "terminal" : "pipe"})`, async () => {
    const repo = await makeRepo();
    const io = captureCtx(repo.root, { isTTY, env: {} });
    const running = runCli(["proposals", "watch"], io.ctx);
    try {
      await until(() => io.out.join("").includes("Watching"), "the watch to start");
      const store = new ProposalStore({ policiesDir: repo.policies });
      const submitted = await store.submit({ ...putProposal("\x1b[2J wipe"), sandbox: "sb-1" });
      assert.ok(submitted.accepted);
      const id = submitted.proposal.id;
      await until(() => io.out.join("").includes(id), "the proposal line");
      const line = io.out.find((l) => l.includes(id))!;
      assert.equal(line.split("\n").length, 2, "one line");
      assert.match(line, new RegExp(`NEW.* ${id} team/sb-1 policy\\(team\\): allow PUT`));
      assert.match(line, new RegExp(`tollgate proposals approve ${id}`));
      assert.equal(line.includes("\x07"), isTTY, "the bell rings only on a terminal");
      assert.equal(line.includes("\x1b[1mNEW"), isTTY, "colour only on a terminal");
    } finally {
      io.controller.abort();
      assert.equal(await running, 0);
      await repo.cleanup();
    }
  });
}
