import assert from "node:assert/strict";
import { type CliContext, runCli } from "../cli/mod.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { captureCtx, makeRepo, putProposal } from "./gateway_fixtures.ts";

function capture(): { ctx: CliContext; text: () => string } {
  let text = "";
  const ctx: CliContext = {
    cwd: Deno.cwd(),
    env: {},
    out: (t) => (text += t),
    err: (t) => (text += t),
    isTTY: false,
    signal: new AbortController().signal,
    setExitCode: () => {},
  };
  return { ctx, text: () => text };
}

Deno.test("runCli() exit codes: 0 for help, 2 for bad usage", async () => {
  const cases: [string[], number][] = [
    [["--help"], 0],
    [["--version"], 0],
    [[], 2],
    [["no-such-command"], 2],
    [["policy"], 2],
    [["policy", "validate"], 2],
    [["policy", "validate", "--no-such-flag", "x.yaml"], 2],
  ];
  for (const [args, expected] of cases) {
    const { ctx, text } = capture();
    assert.equal(await runCli(args, ctx), expected, `tollgate ${args.join(" ")}: ${text()}`);
  }
});

Deno.test("runCli() --help lists every command group", async () => {
  const { ctx, text } = capture();
  await runCli(["--help"], ctx);
  for (const group of ["policy", "proposals"]) assert.match(text(), new RegExp(`\\b${group}\\b`));
});

Deno.test("main.ts ignores an inherited INIT_CWD outside `deno task` (uses its own cwd)", async () => {
  const dir = await Deno.makeTempDir();
  const root = new URL("../", import.meta.url).pathname;
  await Deno.copyFile(`${root}policies/demo.yaml`, `${dir}/demo.yaml`);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", `${root}main.ts`, "policy", "validate", "demo.yaml"],
      cwd: dir,
      // A test runner started by `deno task test` passes its INIT_CWD to every child.
      env: { INIT_CWD: root, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stdout), /^ok demo\.yaml \(1 rule/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno install --global of main.ts gives a plain tollgate command", async () => {
  const rootDir = await Deno.makeTempDir();
  const project = new URL("../", import.meta.url).pathname;
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: ["install", "--global", "-A", "-f", "-n", "tollgate", "--root", rootDir]
        .concat(["--config", `${project}deno.json`, `${project}main.ts`]),
      cwd: project,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));
    const run = await new Deno.Command(`${rootDir}/bin/tollgate`, {
      args: ["policy", "validate", `${project}policies/demo.yaml`],
      cwd: rootDir,
      stdout: "piped",
    }).output();
    assert.equal(run.code, 0);
    assert.match(new TextDecoder().decode(run.stdout), /^ok .*demo\.yaml \(1 rule, revision 0/);
  } finally {
    await Deno.remove(rootDir, { recursive: true });
  }
});

Deno.test("runCli() --version prints the version of deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const { ctx, text } = capture();
  assert.equal(await runCli(["--version"], ctx), 0);
  assert.equal(text(), `${config.version}\n`);
});

Deno.test("proposals approve --all asks ctx.confirm on a terminal, and a no approves nothing", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const submitted = await store.submit(putProposal("needed"));
    assert.ok(submitted.accepted);
    const id = submitted.proposal.id;
    const questions: string[] = [];
    const c = captureCtx(repo.root, { isTTY: true });
    c.ctx.confirm = (question) => (questions.push(question), false);
    assert.equal(await runCli(["proposals", "approve", "--all"], c.ctx), 1);
    assert.deepEqual(questions, ["Approve all 1 pending proposal(s)?"]);
    assert.equal((await store.get(id))?.state, "pending");
    // One that carries a warning (an interpreter runs anything): the question says so.
    const warned = putProposal("interpreted");
    warned.rule.binaries = [{ path: "/usr/bin/python3" }];
    assert.ok((await store.submit(warned)).accepted);
    assert.equal(await runCli(["proposals", "approve", "--all"], c.ctx), 1);
    assert.equal(
      questions[1],
      "Approve all 2 pending proposal(s)? 1 of them carries warnings (see the list above).",
    );
    // On a terminal without anyone to ask, --yes is required (usage).
    const none = captureCtx(repo.root, { isTTY: true });
    assert.equal(await runCli(["proposals", "approve", "--all"], none.ctx), 2);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("cli #18.5: main.ts loads no command group up front (each is imported when it runs)", async () => {
  const main = new URL("../main.ts", import.meta.url).href;
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", main],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph: InfoGraph = JSON.parse(new TextDecoder().decode(info.stdout));
  // Only the quick listing's own modules (Deno APIs alone; see tests/architecture_test.ts).
  const loaded = [...startUpModules(graph, main)]
    .filter((s) => /\/(gateway|proxy)\/|_command\.ts$/.test(s))
    .filter((s) => !/\/(gateway\/(listing|text)|proxy\/policy\/unicode)\/[a-z_]+\.ts$/.test(s));
  assert.deepEqual(loaded, [], "modules main.ts runs before it knows the command");
});

interface InfoGraph {
  modules: {
    specifier: string;
    dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
}

/** Modules reached from `root` through static (not dynamic, not type-only) imports. */
function startUpModules(graph: InfoGraph, root: string): Set<string> {
  const byId = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    if (seen.has(specifier)) return;
    seen.add(specifier);
    for (const dep of byId.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) visit(dep.code.specifier);
    }
  };
  visit(root);
  return seen;
}

Deno.test("tollgate whose reader left (`tollgate logs | head -1`) ends quietly, as SIGPIPE would", async () => {
  const main = new URL("../main.ts", import.meta.url).pathname;
  const cwd = await Deno.makeTempDir({ prefix: "tollgate-pipe-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", main, "--help"],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // The reader is gone before the first write (Deno's start alone takes longer).
  await child.stdout.cancel();
  const [status, err] = await Promise.all([child.status, new Response(child.stderr).text()]);
  await Deno.remove(cwd);
  // It said "error: Broken pipe (os error 32)" and exited 1.
  assert.equal(err, "");
  assert.equal(status.code, 141);
});
