#!/usr/bin/env -S deno run -A
/**
 * The `tollgate` CLI entry: `deno task tollgate …`, or `deno install --global -A -n tollgate
 * --config deno.json main.ts` for a plain `tollgate` command. The only module that reads `Deno.args`/`Deno.env`.
 *
 * @module
 */

import { quickProposalsList } from "./cli/quick_proposals_list.ts";

/**
 * The CLI, imported by a computed specifier only when the quick listing declines: a static
 * import would load node:path and the command table (about 30 ms) before any command runs.
 */
async function loadCli(): Promise<typeof import("./cli/mod.ts")> {
  return await import(new URL("./cli/mod.ts", import.meta.url).href);
}

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
  const code = await quickProposalsList(Deno.args, ctx) ??
    await (await loadCli()).runCli(Deno.args, ctx);
  Deno.exit(code);
}
