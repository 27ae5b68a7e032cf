/**
 * A newcomer's common mistakes, walked through the CLI (#18 item 4, second pass): a misspelled
 * subcommand, flag or command, and a state directory Tollgate cannot write. Each is one line
 * that says what to do, with no runtime text, and the usage exit code (2) where it is usage.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCliIn, withPolicyWorkspace } from "./support/mod.ts";
import { makeRepo, submitted } from "./gateway_fixtures.ts";
import { ProposalStore } from "../gateway/mod.ts";

const RAW = /os error|mkdir '|open '|too many arguments|Expected \d+ arguments/;

function tollgate(args: string[], cwd: string) {
  return runCliIn(args, cwd, { signal: AbortSignal.abort() });
}

function oneClearLine(err: string): void {
  assert.doesNotMatch(err, RAW, `no raw runtime text: ${err}`);
  assert.equal(err.trim().split("\n").length, 1, `one line: ${err}`);
}

Deno.test("cli: an unknown subcommand of a group is one usage line naming the subcommands it has", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-mistakes-" });
  try {
    const groups = ["proposals", "leases", "reviewers", "sandbox", "policy", "ceiling", "rule"];
    for (const group of [...groups, "remote"]) {
      const r = await tollgate([group, "lst"], dir);
      oneClearLine(r.err);
      assert.equal(r.code, 2, `${group} lst: ${r.err}`);
      assert.match(r.err, new RegExp(`^error: Unknown subcommand "lst": use "${group} \\S`));
    }
    // Every subcommand, in the order help lists them.
    const r = await tollgate(["proposals", "lst"], dir);
    assert.match(r.err, /use "proposals list\|show\|diff\|approve\|reject\|refresh\|watch"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: remote without its subcommand is one usage line, as every other group", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-mistakes-" });
  try {
    const r = await tollgate(["remote"], dir);
    oneClearLine(r.err);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'error: Missing subcommand: use "remote install-hook"\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: a misspelled command or flag is one line that keeps the suggestion", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n" }, async (dir) => {
    const cases = [
      { args: ["bogus"], line: "error: unknown command 'bogus' (Did you mean logs?)" },
      {
        args: ["up", "--policy", "agent", "--listn", "127.0.0.1:0"],
        line: "error: unknown option '--listn' (Did you mean --listen?)",
      },
      {
        args: ["proposals", "list", "--jsn"],
        line: "error: unknown option '--jsn' (Did you mean --json?)",
      },
      // A misspelled required flag: commander named the flag missing, not the misspelling.
      {
        args: ["up", "--polcy", "agent"],
        line: "error: unknown option '--polcy' (Did you mean --policy?)",
      },
      {
        args: ["proposals", "reject", "p-1", "--reson", "no"],
        line: "error: unknown option '--reson' (Did you mean --reason?)",
      },
      { args: ["up"], line: "error: required option '--policy <name>' not specified" },
    ];
    for (const { args, line } of cases) {
      const r = await tollgate(args, dir);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.equal(r.err, `${line}\n`);
    }
  });
});

Deno.test("cli: a state directory Tollgate cannot write is named, with what to do", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n" }, async (dir) => {
    // A file where the state directory should be: the runtime's "Not a directory (os error
    // 20): mkdir '…'" once reached the user. (Root ignores a read-only mode, so a file it is.)
    const file = join(dir, "policies", "agent.yaml");
    const commands = [
      ["ca", "--state", file],
      ["reviewers", "add", "ann", "--state", file],
      ["proxy", "--policy", "agent", "--listen", "127.0.0.1:0", "--state", file],
    ];
    for (const args of commands) {
      const r = await tollgate(args, dir);
      oneClearLine(r.err);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
      assert.match(
        r.err,
        /^error: Cannot (create|read) ".*agent\.yaml\/[^"]*": a part of its path is a file/,
        r.err,
      );
      assert.match(r.err, /; fix the path or pass another --state DIR$/m, r.err);
    }
  });
});

Deno.test("cli: an approval outside Git says nothing was committed; inside Git it says nothing more", async () => {
  for (const git of [false, true]) {
    const repo = await makeRepo({ git });
    try {
      const id = await submitted(new ProposalStore({ policiesDir: repo.policies }));
      const r = await tollgate(["proposals", "approve", id, "--approved-by", "ann"], repo.root);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^OK Proposal \S+ approved\. Policy team revision/);
      // Approved and enforced all the same: a reviewer who expects a commit is told.
      const warning = `warning: "${repo.policies}" is not in a Git repository, so approvals ` +
        `are not committed: run "git init" in the project and commit the policies\n`;
      assert.equal(r.err, git ? "" : warning, `git: ${git}`);
    } finally {
      await repo.cleanup();
    }
  }
});

Deno.test("cli: a mistyped proposal id says what an id looks like and where to find them", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n" }, async (dir) => {
    const invalid = await tollgate(["proposals", "show", "p-nope"], dir);
    oneClearLine(invalid.err);
    assert.equal(invalid.code, 2);
    assert.match(invalid.err, /^error: Invalid proposal id "p-nope": ids look like (p-\S+);/);
    // The example it gives is a well-formed id: shown, it is merely not there.
    const example = invalid.err.match(/ids look like (p-\S+);/)![1]!;
    const missing = await tollgate(["proposals", "show", example], dir);
    assert.equal(missing.code, 1);
    assert.equal(
      missing.err,
      `error: No proposal "${example}": "tollgate proposals list" shows them\n`,
    );
  });
});

Deno.test("cli: a policy with several problems names the first and the command that lists them", async () => {
  const broken = "version: 1\nnetwork_policies:\n  a:\n    endpoints: [\n  - host: x\n";
  await withPolicyWorkspace({ broken }, async (dir) => {
    const runs = [
      ["up", "--policy", "broken", "--listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0"],
      ["proxy", "--policy", "broken", "--listen", "127.0.0.1:0"],
      // Its error once reached runCli() raw: no "Invalid policy:", no command to run.
      ["sandbox", "run", "--policy", "broken", "--isolate", "env", "--", "true"],
    ];
    for (const args of runs) {
      const r = await tollgate(args, dir);
      oneClearLine(r.err);
      assert.equal(r.code, 1, r.err);
      assert.match(
        r.err,
        /^error: Invalid policy: \S+broken\.yaml:5:3: YAML syntax error: .* \(and \d+ more: "tollgate policy validate \S+broken\.yaml" lists them\)$/m,
      );
    }
  });
});

Deno.test("cli: init where it cannot create the project says so, offering no flag it lacks", async () => {
  await withPolicyWorkspace({}, async (dir) => {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "");
    const r = await tollgate(["init", join(file, "project")], dir);
    oneClearLine(r.err);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `error: Cannot create "${file}/project/policies": a part of its path is a file, not a ` +
        `directory; fix the path\n`,
    );
  });
});
