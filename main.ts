#!/usr/bin/env -S deno run -A
/**
 * The `tollgate` CLI entry: `deno task tollgate …`, or `deno install --global -A -n tollgate
 * main.ts` for a plain `tollgate` command. The only module that reads `Deno.args`/`Deno.env`.
 *
 * @module
 */

import { runCli } from "./cli/mod.ts";

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
  const code = await runCli(Deno.args, {
    // Under `deno task`, the task runs in the project root; INIT_CWD is where the user was.
    cwd: Deno.env.get("INIT_CWD") ?? Deno.cwd(),
    env: Deno.env.toObject(),
    out: (text) => writeAll(Deno.stdout, text),
    err: (text) => writeAll(Deno.stderr, text),
    isTTY: Deno.stdout.isTerminal(),
    signal: controller.signal,
    setExitCode: () => {},
  });
  Deno.exit(code);
}
