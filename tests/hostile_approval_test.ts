/**
 * Hostile tests of approval integrity (issue #12 items 2, 3, 4): what a sandboxed agent (or
 * anyone who can write the policy repository) plants must not change what an approval
 * commits, applies or records.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalConflictError, ProposalStore } from "../gateway/mod.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { type PolicyRepo, withProposalDesk } from "./support/mod.ts";
import { makeRepo, putProposal, runTollgate, submitted } from "./gateway_fixtures.ts";

const netns = (await detectIsolation()) === "netns";

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

const EVIL_RULE =
  "  evil: {endpoints: [{host: evil.example, port: 443}], binaries: [{path: /bin/sh}]}";

/** A script that appends a rule to the policy, stages it, and leaves a trace. */
async function plantScript(repo: PolicyRepo, path: string, trace: string): Promise<void> {
  const policy = join(repo.policies, "team.yaml");
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\ntouch '${trace}'\necho '${EVIL_RULE}' >> '${policy}'\n` +
      `git add '${policy}' 2>/dev/null\ncat\n`,
  );
  await Deno.chmod(path, 0o755);
}

Deno.test("hostile #2: hooks, fsmonitor and filters planted in .git never run at approval", async () => {
  await withProposalDesk(async ({ repo, store }) => {
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
    assert.equal(loadPolicyText(committed, "team.yaml").policy.revision, result.revision);
  });
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

Deno.test("hostile #3: a pending patch edited after submit is refused at approval", async () => {
  await withProposalDesk(async ({ repo, store }) => {
    const id = await submitted(store);
    const file = join(repo.policies, "pending", `${id}.patch`);
    const policy = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    const reviewed = await Deno.readTextFile(file);
    // Widen the reviewed path, and hide a finding the checks would report.
    await Deno.writeTextFile(
      file,
      reviewed.replace("/repos/o/r/contents/x.md", "/**"),
    );
    const shown = await store.get(id);
    assert.equal(shown?.meta.findings[0]?.code, "patch_changed");
    await assert.rejects(
      store.approve(id, { approvedBy: "alice" }),
      (e: Error) =>
        e instanceof ProposalConflictError &&
        e.message === `Cannot approve proposal "${id}": its patch file changed since it was ` +
            "submitted; reject it",
    );
    await assert.rejects(store.refresh(id), /its patch file changed since it was submitted/);
    assert.equal(await Deno.readTextFile(join(repo.policies, "team.yaml")), policy);
    // Only the findings edited: refused too (they are what the reviewer is shown).
    await Deno.writeTextFile(
      file,
      reviewed.replace("Checks:\n", "Checks:\n  - warn use_l7_not_l4: y\n"),
    );
    await assert.rejects(store.approve(id, { approvedBy: "alice" }), ProposalConflictError);
    // The patch as written is approved.
    await Deno.writeTextFile(file, reviewed);
    assert.equal((await store.approve(id, { approvedBy: "alice" })).revision, 4);
  });
});

Deno.test("hostile #4: marker text in a rule is refused, and recovery never marks an unapplied proposal approved", async () => {
  await withProposalDesk(async ({ repo, store, post }) => {
    const id = await submitted(store);
    const forged = putProposal();
    forged.ruleName = "other";
    forged.rule.name = `x # tollgate proposal ${id}`;
    const refused = await store.submit(forged);
    assert.ok(!refused.accepted && /tollgate proposal/.test(refused.reasons.join(";")));
    // The marker reaches the policy some other way (a hand edit, an older Tollgate).
    const path = join(repo.policies, "team.yaml");
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(
      path,
      text.replace("  gh_ro:\n", `  gh_ro:\n    name: "# tollgate proposal ${id}"\n`)
        .replace("    name: gh-ro\n", ""),
    );
    assert.equal((await store.status(id))?.status, "pending");
    assert.deepEqual(await store.recover(), []);
    assert.equal(await exists(join(repo.policies, "pending", `${id}.patch`)), true);
    // policy.local refuses the marker field by field, before the gateway sees it.
    const response = await post({
      intent_summary: "update x.md",
      operations: [{ addRule: { ruleName: "other", rule: forged.rule } }],
    });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error, "invalid_proposal");
    assert.match(body.detail, /^operations\[0\]\.addRule\.rule\.name: must not contain/);
  });
});
