/**
 * A hostile agent making the gateway walk its Git history. Whether a fitting rule was revoked is
 * read from Git (`git log -p` over the policies' history); before, that ran for every submit that
 * would otherwise be auto-approved, before the sandbox's hourly cap was counted, so an agent past
 * its cap, or resubmitting a revoked rule, made the gateway start a process walking the whole
 * history per request. Now the cap is counted first, and the revoked ids are read once per HEAD.
 * git is counted through a wrapper on PATH that logs each run, then runs the real git.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { putProposal } from "./gateway_fixtures.ts";
import { autoApproveRepo } from "./automation_fixtures.ts";

function put(path: string, ruleName: string): ProposalInput {
  const input = { ...putProposal("write a file"), ruleName, sandbox: "sb-a" };
  input.rule.endpoints[0]!.rules = [{ allow: { method: "PUT", path } }];
  return input;
}

/**
 * Run `body` with `git` on PATH counting its `log` runs; gives the count reader, and a switch
 * that makes the revocation lookup's `git log` fail from then on.
 */
async function countingGitLogs(
  body: (logs: () => Promise<number>, failLookups: () => Promise<void>) => Promise<void>,
) {
  const real = new Deno.Command("sh", { args: ["-c", "command -v git"] }).outputSync();
  const git = new TextDecoder().decode(real.stdout).trim();
  const dir = await Deno.makeTempDir({ prefix: "tollgate-git-count-" });
  const record = join(dir, "runs");
  await Deno.writeTextFile(record, "");
  await Deno.writeTextFile(
    join(dir, "git"),
    `#!/bin/sh\nfor a in "$@"; do [ "$a" = log ] && echo log >> '${record}'\n` +
      `[ "$a" = '--grep=^Removed-By: revoked$' ] && [ -e '${record}.fail' ] && exit 128; done\n` +
      `exec '${git}' "$@"\n`,
  );
  await Deno.chmod(join(dir, "git"), 0o755);
  const path = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", `${dir}:${path}`);
  try {
    const logs = async () => (await Deno.readTextFile(record)).split("\n").length - 1;
    await body(logs, () => Deno.writeTextFile(`${record}.fail`, ""));
  } finally {
    Deno.env.set("PATH", path);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("hostile auto history: a sandbox past its cap makes the gateway read no history", async () => {
  const repo = await autoApproveRepo();
  try {
    await countingGitLogs(async (logs) => {
      const store = new ProposalStore({ policiesDir: repo.policies });
      for (let i = 0; i < 20; i++) {
        const r = await store.submit(put(`/repos/o/r/contents/f${i}`, `put_${i}`));
        assert.ok(r.accepted && r.proposal.status === "approved", JSON.stringify(r));
      }
      const spent = await logs();
      for (let i = 0; i < 10; i++) {
        const r = await store.submit(put(`/repos/o/r/contents/g${i}`, `more_${i}`));
        assert.ok(r.accepted && r.proposal.status === "pending", JSON.stringify(r));
      }
      // Before: one `git log -p` over the whole history per submit (10).
      assert.equal(await logs() - spent, 0);
    });
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile auto history: resubmitting a revoked rule reads the history once", async () => {
  const repo = await autoApproveRepo();
  try {
    await countingGitLogs(async (logs) => {
      const store = new ProposalStore({ policiesDir: repo.policies });
      const first = await store.submit(put("/repos/o/r/contents/x.md", "put_file"));
      assert.ok(first.accepted && first.proposal.status === "approved", JSON.stringify(first));
      await store.removeEnded({ kind: "revoke", ruleKey: "put_file", policy: "team", by: "alice" });
      const before = await logs();
      for (let i = 0; i < 10; i++) {
        const r = await store.submit(put("/repos/o/r/contents/x.md", `again_${i}`));
        assert.ok(r.accepted && r.proposal.status === "pending", JSON.stringify(r));
      }
      // Before: 10 (one per submit); now one, for the HEAD the revocation made.
      assert.equal(await logs() - before, 1);
      // Still seen after HEAD moves (another approval commits).
      const other = await store.submit(put("/repos/o/r/contents/readme.md", "put_readme"));
      assert.ok(other.accepted && other.proposal.status === "approved", JSON.stringify(other));
      const again = await store.submit(put("/repos/o/r/contents/x.md", "again_last"));
      assert.ok(again.accepted && again.proposal.status === "pending", JSON.stringify(again));
    });
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile auto history: a revocation history git cannot read leaves the rule to a person", async () => {
  const repo = await autoApproveRepo();
  try {
    await countingGitLogs(async (_logs, failLookups) => {
      const store = new ProposalStore({ policiesDir: repo.policies });
      const first = await store.submit(put("/repos/o/r/contents/x.md", "put_file"));
      assert.ok(first.accepted && first.proposal.status === "approved", JSON.stringify(first));
      await store.removeEnded({ kind: "revoke", ruleKey: "put_file", policy: "team", by: "alice" });
      // The history now holds the revocation, and reading it fails (a timeout, say).
      await failLookups();
      const again = await store.submit(put("/repos/o/r/contents/x.md", "again"));
      // Before: a failed read counted as no revocation, and the revoked rule was auto-approved.
      assert.ok(again.accepted && again.proposal.status === "pending", JSON.stringify(again));
    });
  } finally {
    await repo.cleanup();
  }
});
