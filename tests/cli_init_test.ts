/**
 * `tollgate init` (#18 item 3): a newcomer's first command makes a project the other commands
 * accept, whose starting policy takes an approved rule.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { loadPolicyFile } from "../proxy/policy/mod.ts";
import { captureCtx, putProposal } from "./gateway_fixtures.ts";

async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("cli #18.3: tollgate init makes policies/, a .gitignore for the state and a Git repository", async () => {
  const parent = await Deno.makeTempDir({ prefix: "tollgate-init-" });
  try {
    const c = captureCtx(parent);
    assert.equal(await runCli(["init", "project"], c.ctx), 0, c.err.join(""));
    const root = join(parent, "project");
    assert.match(c.out.join(""), /tollgate up --policy agent/);
    const loaded = await loadPolicyFile(join(root, "policies", "agent.yaml"));
    assert.equal(Object.keys(loaded.policy.network_policies).length, 0);
    assert.match(await Deno.readTextFile(join(root, ".gitignore")), /^\.tollgate\/$/m);
    assert.equal(await git(root, "rev-parse", "--is-inside-work-tree"), "true");
    // The branch `gateway --remote` follows by default: on git's own default (master), the
    // README's walk-through (a bare clone of this repository as the remote) failed to start.
    assert.equal(await git(root, "symbolic-ref", "--short", "HEAD"), "main");
    // The other commands now accept the directory.
    const list = captureCtx(root);
    assert.equal(await runCli(["proposals", "list"], list.ctx), 0, list.err.join(""));
    assert.equal(list.out.join(""), "No proposals\n");
    // A second init changes nothing.
    const again = captureCtx(root);
    assert.equal(await runCli(["init"], again.ctx), 1);
    assert.match(again.err.join(""), /^error: ".*policies" exists already: nothing changed\n$/);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("cli #18.3: the starting policy of tollgate init takes an approved rule", async () => {
  const root = await Deno.makeTempDir({ prefix: "tollgate-init-" });
  try {
    assert.equal(await runCli(["init"], captureCtx(root).ctx), 0);
    await git(root, "-c", "user.name=T", "-c", "user.email=t@t", "add", ".");
    await git(root, "-c", "user.name=T", "-c", "user.email=t@t", "commit", "-qm", "init");
    const store = new ProposalStore({ policiesDir: join(root, "policies") });
    const submitted = await store.submit({ ...putProposal("first rule"), policy: "agent" });
    assert.ok(submitted.accepted, JSON.stringify(submitted));
    const approved = await store.approve(submitted.proposal.id, { approvedBy: "T" });
    assert.equal(approved.revision, 1);
    const loaded = await loadPolicyFile(join(root, "policies", "agent.yaml"));
    assert.deepEqual(Object.keys(loaded.policy.network_policies), ["gh_contents_write"]);
    // The starting comments survive the approval.
    const text = await Deno.readTextFile(join(root, "policies", "agent.yaml"));
    assert.match(text, /^# Tollgate policy for one sandbox/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
