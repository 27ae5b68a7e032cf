/**
 * What `tollgate --version`, `--help` and a mistyped command load (#15: start-up within 2× an
 * empty `deno run`): only the dispatcher, the command table and the help text, as Deno itself
 * reports, and answers equal to commander's with every command group loaded.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCli } from "../cli/mod.ts";
import { buildProgram, runProgram } from "../cli/run_program.ts";
import { topHelp } from "../cli/top_help.ts";
import type { CliContext } from "../cli/mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const MAIN = `${root}main.ts`;
const DISPATCHER = ["cli/command_table.ts", "cli/run_cli.ts", "cli/top_help.ts", "deno.json"];

async function deno(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return text.decode(out.stdout) + text.decode(out.stderr);
}

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string } }[];
}

Deno.test("main.ts's module graph (deno info: static and literal dynamic imports) is the dispatcher alone", async () => {
  // Deno reads and parses, at start, every module reached by a static import or by a literal
  // `import("./x.ts")`; types (`typeof import`) are not loaded, and computed imports not seen.
  const info = JSON.parse(await deno(["info", "--json", MAIN])) as { modules: InfoModule[] };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const reached = new Set<string>();
  const todo = [new URL(`file://${MAIN}`).href];
  while (todo.length > 0) {
    const specifier = todo.pop()!;
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (dep.code?.specifier) todo.push(dep.code.specifier);
    }
  }
  const names = [...reached].map((s) => s.replace(`file://${root}`, "")).sort();
  assert.deepEqual(names, [...DISPATCHER, "main.ts"].sort());
  assert.ok(info.modules.length > 300, "deno info still sees the commands' types");
});

/** The project modules and Node built-ins Deno's debug log shows `main.ts ARGS` loading. */
async function loadedBy(args: string[]): Promise<string[]> {
  const log = await deno(["run", "-A", "--log-level=debug", MAIN, ...args]);
  const loaded = new Set<string>();
  for (const m of log.matchAll(/fetch_no_follow - specifier: file:\/\/(\S+)/g)) {
    loaded.add(m[1]!.replace(root, ""));
  }
  for (const m of log.matchAll(/Specifier "(node:[^"]+)"/g)) loaded.add(m[1]!);
  for (const m of log.matchAll(/ES module: (ext:deno_node\/[^,]+)/g)) loaded.add(m[1]!);
  return [...loaded].sort();
}

Deno.test("tollgate --version, --help and a mistyped command load only the command table", async () => {
  for (const args of [["--version"], ["--help"], ["bogus"]]) {
    const loaded = await loadedBy(args);
    // main.ts in the list proves the log was read: an empty list would prove nothing.
    assert.deepEqual(loaded, [...DISPATCHER, "main.ts"].sort(), args.join(" "));
  }
  // A command loads its own group: the same log names its modules.
  const policy = await loadedBy(["policy", "validate", "policies/demo.yaml"]);
  assert.ok(policy.includes("cli/policy_command.ts"), policy.join(" "));
  assert.ok(!policy.includes("cli/sandbox_command.ts"), policy.join(" "));
});

function capture(): { ctx: CliContext; out: () => string; err: () => string } {
  let [out, err] = ["", ""];
  const ctx: CliContext = {
    cwd: root,
    env: {},
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: false,
    signal: new AbortController().signal,
    setExitCode() {},
  };
  return { ctx, out: () => out, err: () => err };
}

Deno.test("topHelp() is commander's help with every command group loaded, at any width", async () => {
  const program = await buildProgram(capture().ctx);
  for (const width of [80, 120, 60, 200]) {
    program.configureHelp({ helpWidth: width });
    assert.equal(topHelp(width), program.helpInformation(), `width ${width}`);
  }
});

Deno.test("runCli() names an unknown command, with the suggestion commander makes", async () => {
  const words = [
    "bogus",
    "propsals",
    "x",
    "prxy",
    "ceilng",
    "hlp",
    "lease",
    "uo",
    "ruel",
    "sandbx",
  ];
  for (const word of [...words, "reviwers", "polcy", "log", "gatewya", "inti", "remot", "c"]) {
    const ours = capture();
    const theirs = capture();
    assert.equal(await runCli([word, "more"], ours.ctx), 2);
    assert.equal(await runProgram([word, "more"], theirs.ctx), 2);
    assert.equal(ours.err(), theirs.err(), word);
    assert.equal(ours.out() + theirs.out(), "");
  }
});
