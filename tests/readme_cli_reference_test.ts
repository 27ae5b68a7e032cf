/**
 * README's CLI reference names every flag each command takes: the table is read from the
 * README and the flags from the program itself (every command group registered), so a flag
 * added to a command and not to its row fails here.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildProgram } from "../cli/run_program.ts";
import type { CliContext } from "../cli/context.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));

interface Node {
  name(): string;
  readonly commands: readonly Node[];
  readonly options: readonly { long?: string; hidden?: boolean }[];
}

/** Every leaf command as its path ("proposals approve") with its long flags. */
function leaves(node: Node, path: string[] = []): { path: string; flags: string[] }[] {
  if (node.commands.length === 0) {
    const flags = node.options.filter((o) => !o.hidden && o.long).map((o) => o.long!);
    return [{ path: path.join(" "), flags }];
  }
  return node.commands.flatMap((child) => leaves(child, [...path, child.name()]));
}

/** The code spans of the first cell of each row of the "CLI reference" table. */
function tableSpans(readme: string): string[] {
  const section = readme.split("\n## CLI reference\n")[1]?.split("\n## ")[0] ?? "";
  return section.split("\n").filter((line) => line.startsWith("| `")).flatMap((line) => {
    const cell = line.split(/(?<!\\)\|/)[1] ?? "";
    return [...cell.matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? "").replaceAll("\\|", "|"));
  });
}

/** The span that documents `path`: it starts with the path, or with its group and names it. */
function spanOf(spans: string[], path: string): string | undefined {
  const [group, sub] = path.split(" ");
  return spans.find((s) => s === path || s.startsWith(`${path} `)) ??
    spans.find((s) => sub !== undefined && s.startsWith(`${group} `) && s.includes(`|${sub}`));
}

const quiet: CliContext = {
  cwd: root,
  env: {},
  out() {},
  err() {},
  isTTY: false,
  signal: new AbortController().signal,
  setExitCode() {},
};

Deno.test("README's CLI reference has a row for every command and names each of its flags", async () => {
  const program = await buildProgram(quiet) as unknown as Node;
  const spans = tableSpans(await Deno.readTextFile(join(root, "README.md")));
  const commands = leaves(program);
  assert.ok(commands.length >= 20, `only ${commands.length} commands found`);
  const missing: string[] = [];
  for (const { path, flags } of commands) {
    const span = spanOf(spans, path);
    if (span === undefined) {
      missing.push(`${path}: no row`);
      continue;
    }
    for (const flag of flags.filter((f) => f !== "--help" && f !== "--version")) {
      if (!new RegExp(`${flag}(?![a-z-])`).test(span)) missing.push(`${path}: ${flag}`);
    }
  }
  assert.deepEqual(missing, [], "add these to README's CLI reference");
});
