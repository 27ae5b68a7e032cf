/**
 * Hostile tests of approval integrity (issue #12 items 2, 3, 4, 11): what a sandboxed agent
 * (or anyone who can write the policy repository) plants must not change what an approval
 * commits, applies, records or stores.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { ProposalStore } from "../gateway/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { makeRepo, putProposal, runTollgate, type TempRepo } from "./gateway_fixtures.ts";

const netns = (await detectIsolation()) === "netns";

async function submitted(store: ProposalStore, input = putProposal()): Promise<string> {
  const result = await store.submit(input);
  assert.ok(result.accepted, JSON.stringify(result));
  return result.proposal.id;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

const EVIL_RULE =
  "  evil: {endpoints: [{host: evil.example, port: 443}], binaries: [{path: /bin/sh}]}";

/** A script that appends a rule to the policy, stages it, and leaves a trace. */
async function plantScript(repo: TempRepo, path: string, trace: string): Promise<void> {
  const policy = join(repo.policies, "team.yaml");
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\ntouch '${trace}'\necho '${EVIL_RULE}' >> '${policy}'\n` +
      `git add '${policy}' 2>/dev/null\ncat\n`,
  );
  await Deno.chmod(path, 0o755);
}

Deno.test("hostile #2: hooks, fsmonitor and filters planted in .git never run at approval", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submitted(store);
    const hooks = join(repo.root, ".git", "hooks");
    const trace = join(repo.root, "planted-ran");
    for (const hook of ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit"]) {
      await plantScript(repo, join(hooks, hook), trace);
    }
    await plantScript(repo, join(repo.root, "evil.sh"), trace);
    await repo.git("config", "core.fsmonitor", join(repo.root, "evil.sh"));
    await repo.git("config", "filter.evil.clean", join(repo.root, "evil.sh"));
    await repo.git("config", "filter.evil.process", join(repo.root, "evil.sh"));
    await Deno.writeTextFile(join(repo.root, ".git", "info", "attributes"), "* filter=evil\n");
    const result = await store.approve(id, { approvedBy: "alice" });
    assert.equal(await exists(trace), false, "a planted script ran");
    const written = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    const committed = await repo.git("cat-file", "blob", "HEAD:policies/team.yaml");
    assert.equal(committed, written);
    assert.equal(written.includes("evil.example"), false);
    assert.equal(parse(committed).revision, result.revision);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("hostile #2: a commit whose text differs from what Tollgate wrote is rolled back and refused", async () => {
  const repo = await makeRepo();
  try {
    // `ident` rewrites "$Id: … $" when git stores the file: the commit would not hold the text
    // Tollgate wrote and proxies enforce.
    const path = join(repo.policies, "team.yaml");
    await Deno.writeTextFile(path, (await Deno.readTextFile(path)) + "# $Id: planted $\n");
    await Deno.writeTextFile(join(repo.root, ".gitattributes"), "*.yaml ident\n");
    await repo.git("add", ".gitattributes", "policies/team.yaml");
    await repo.git("commit", "-q", "-m", "ident");
    const head = (await repo.git("rev-parse", "HEAD")).trim();
    const before = await Deno.readTextFile(path);
    const store = new ProposalStore({ policiesDir: repo.policies });
    const id = await submitted(store);
    await assert.rejects(
      store.approve(id, { approvedBy: "alice" }),
      /does not hold the text Tollgate wrote/,
    );
    assert.equal((await repo.git("rev-parse", "HEAD")).trim(), head);
    assert.equal(await Deno.readTextFile(path), before);
    assert.equal((await store.status(id))?.status, "pending");
  } finally {
    await repo.cleanup();
  }
});

Deno.test({
  name: "hostile #2: in a netns sandbox the whole policy repository, .git included, is read-only" +
    (netns ? "" : " (skipped: no network namespace isolation on this machine)"),
  ignore: !netns,
  fn: async () => {
    const repo = await makeRepo();
    const outside = await Deno.makeTempDir({ prefix: "tollgate-out-" });
    try {
      const out = join(outside, "out.txt");
      const targets = [
        join(repo.root, ".git", "hooks", "pre-commit"),
        join(repo.root, ".git", "config"),
        join(repo.root, ".gitattributes"),
        join(repo.policies, "team.yaml"),
      ];
      const script = targets.map((t) => `(echo x >> '${t}') 2>/dev/null || echo ro >> '${out}'`)
        .join("; ");
      const r = await runTollgate([
        "sandbox",
        "run",
        "--policy",
        "team",
        "--policies",
        repo.policies,
        "--state",
        join(outside, ".tollgate"),
        "--isolate",
        "netns",
        "--",
        "sh",
        "-c",
        script,
      ], { cwd: outside });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((await Deno.readTextFile(out)).trim().split("\n"), targets.map(() => "ro"));
      assert.equal(await exists(join(repo.root, ".git", "hooks", "pre-commit")), false);
    } finally {
      await repo.cleanup();
      await Deno.remove(outside, { recursive: true });
    }
  },
});
