import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { ProposalStore } from "../gateway/mod.ts";
import {
  captureCtx,
  HOSTILE_RATIONALE,
  makeRepo,
  putProposal,
  runTollgate,
} from "./gateway_fixtures.ts";

async function submitted(policies: string, rationale?: string, file = "x.md") {
  const input = putProposal(rationale);
  // A rule already pending for the sandbox is not stored twice: vary the path.
  input.rule.endpoints[0]!.rules = [{
    allow: { method: "PUT", path: `/repos/o/r/contents/${file}` },
  }];
  const result = await new ProposalStore({ policiesDir: policies }).submit(input);
  assert.ok(result.accepted);
  return result.proposal.id;
}

// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/;

Deno.test("proposals list --json and show never print agent text raw", async () => {
  const repo = await makeRepo();
  try {
    const id = await submitted(repo.policies, HOSTILE_RATIONALE);
    const json = captureCtx(repo.root);
    assert.equal(await runCli(["proposals", "list", "--json"], json.ctx), 0);
    const list = JSON.parse(json.out.join(""));
    assert.equal(list.length, 1);
    for (const key of ["id", "status", "policy", "summary", "binary", "created"]) {
      assert.ok(key in list[0], key);
    }
    assert.equal(list[0].id, id);
    assert.equal(list[0].status, "pending");
    for (const args of [["show", id], ["diff", id], ["list"], ["show", id, "--json"]]) {
      const c = captureCtx(repo.root, { isTTY: true });
      assert.equal(await runCli(["proposals", ...args], c.ctx), 0, args.join(" "));
      const text = c.out.join("");
      // Only our own colour sequences may appear; agent text never carries an escape.
      const stripped = text.replace(new RegExp("\x1b\\[[0-9;]*m", "g"), "");
      assert.ok(!RAW_CONTROL.test(stripped), `raw control character in ${args.join(" ")}`);
    }
    const shown = captureCtx(repo.root, { isTTY: true, env: { NO_COLOR: "1" } });
    await runCli(["proposals", "show", id], shown.ctx);
    assert.ok(!shown.out.join("").includes("\x1b"), "no colour with NO_COLOR");
    assert.match(shown.out.join(""), /Rationale: {2}Innocent start \u241b\[31mRED/);
    assert.match(
      shown.out.join(""),
      /Endpoints: {2}api\.github\.com:443 \[L7 rest, allow PUT \/repos\/o\/r\/contents\/x\.md\]/,
    );
  } finally {
    await repo.cleanup();
  }
});

Deno.test("proposals approve/reject change state and refuse bad usage", async () => {
  const repo = await makeRepo();
  try {
    const a = await submitted(repo.policies);
    const b = await submitted(repo.policies, undefined, "y.md");
    const approve = captureCtx(repo.root);
    assert.equal(
      await runCli(["proposals", "approve", a, "--approved-by", "alice"], approve.ctx),
      0,
    );
    assert.match(
      approve.out.join(""),
      new RegExp(`^OK Proposal ${a} approved\\. Policy team revision 4, hash [0-9a-f]{12}\\n$`),
    );
    const bad = captureCtx(repo.root);
    assert.equal(await runCli(["proposals", "approve", "../etc/passwd"], bad.ctx), 2);
    assert.equal(await runCli(["proposals", "approve", "--all"], captureCtx(repo.root).ctx), 2);
    assert.equal(await runCli(["proposals", "approve", a], captureCtx(repo.root).ctx), 1);
    const reject = captureCtx(repo.root);
    const args = ["proposals", "reject", b, "--reason", "too wide", "--guidance", "too_broad"];
    assert.equal(await runCli(args, reject.ctx), 0);
    const store = new ProposalStore({ policiesDir: repo.policies });
    assert.equal((await store.status(b))?.rejectionReason, "too wide");
    assert.equal(
      await runCli(
        ["proposals", "reject", b, "--reason", "x", "--guidance", "nope"],
        captureCtx(repo.root).ctx,
      ),
      2,
    );
    const listed = captureCtx(repo.root);
    await runCli(["proposals", "list", "--status", "rejected", "--json"], listed.ctx);
    assert.deepEqual(JSON.parse(listed.out.join("")).map((p: { id: string }) => p.id), [b]);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("tollgate proposals approve --all runs as a real process", async () => {
  const repo = await makeRepo();
  try {
    const a = await submitted(repo.policies);
    const refused = await runTollgate(["proposals", "approve", "--all"], { cwd: repo.root });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--yes/);
    const ok = await runTollgate([
      "proposals",
      "approve",
      "--all",
      "--yes",
      "--policies",
      "policies",
    ], {
      cwd: repo.root,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`OK Proposal ${a} approved\\. Policy team revision 4`));
    assert.match(await repo.git("log", "-1", "--format=%B"), /Approved-By: Test Person/);
    await Deno.stat(join(repo.policies, "approved", `${a}.patch`));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("proposals approve commits with a Tollgate identity when the repo has none", async () => {
  const repo = await makeRepo();
  try {
    const id = await submitted(repo.policies);
    await repo.git("config", "--unset", "user.name");
    await repo.git("config", "--unset", "user.email");
    // Refuse guessed identities, as a CI box without any Git identity would.
    await repo.git("config", "user.useConfigOnly", "true");
    const env = {
      HOME: repo.root,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      USER: "ci",
    };
    const r = await runTollgate(["proposals", "approve", id], { cwd: repo.root, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      (await repo.git("log", "-1", "--format=%an <%ae>")).trim(),
      "Tollgate <tollgate@localhost>",
    );
    assert.match(await repo.git("log", "-1", "--format=%B"), /Approved-By: ci\n/);
  } finally {
    await repo.cleanup();
  }
});
