import assert from "node:assert/strict";
import { type CliContext, runCli } from "../cli/mod.ts";

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
