#!/usr/bin/env -S deno run -A
/**
 * The `tollgate` CLI entry: `deno task tollgate …`, or `deno install --global -A -n tollgate
 * --config deno.json main.ts` for a plain `tollgate` command. The only module that reads `Deno.args`/`Deno.env`.
 *
 * @module
 */

// The dispatcher itself, not cli/mod.ts: the module's other exports load node:path, which
// `tollgate --version` and `--help` never use. It imports each command when that one runs.
import { runCli } from "./cli/run_cli.ts";

/**
 * The quick `proposals list`, imported by a computed specifier for `proposals` command lines
 * only: a static or literal import would load the listing modules for every command.
 */
async function quickList(args: string[], ctx: QuickContext): Promise<number | undefined> {
  if (args[0] !== "proposals") return undefined;
  const url = new URL("./cli/quick_proposals_list.ts", import.meta.url).href;
  const quick: typeof import("./cli/quick_proposals_list.ts") = await import(url);
  return await quick.quickProposalsList(args, ctx);
}

type QuickContext = Parameters<
  typeof import("./cli/quick_proposals_list.ts").quickProposalsList
>[1];

/**
 * The directory the user ran the command from. `deno task tollgate` runs in the project root
 * and passes the user's directory as INIT_CWD; any other start (an installed `tollgate`, a
 * child process that merely inherited INIT_CWD) uses the real working directory.
 */
function userDirectory(): string {
  const cwd = Deno.cwd();
  const underTask = cwd === import.meta.dirname;
  return underTask ? Deno.env.get("INIT_CWD") ?? cwd : cwd;
}

if (import.meta.main) {
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => controller.abort());
  }
  const encoder = new TextEncoder();
  // writeSync may write part of a buffer (pipes): loop until all of it is out.
  const writeAll = (file: { writeSync(p: Uint8Array): number }, text: string) => {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
  };
  // The reader left (`tollgate logs | head -1`): end quietly, as a SIGPIPE would (128 + 13),
  // not with the runtime's "Broken pipe (os error 32)".
  const out = (text: string) => {
    try {
      writeAll(Deno.stdout, text);
    } catch (error) {
      if (error instanceof Deno.errors.BrokenPipe) Deno.exit(141);
      throw error;
    }
  };
  const ctx = {
    cwd: userDirectory(),
    env: Deno.env.toObject(),
    out,
    err: (text: string) => writeAll(Deno.stderr, text),
    isTTY: Deno.stdout.isTerminal(),
    signal: controller.signal,
    setExitCode: () => {},
    confirm: (question: string) => confirm(question),
  };
  const code = await quickList(Deno.args, ctx) ?? await runCli(Deno.args, ctx);
  Deno.exit(code);
}
