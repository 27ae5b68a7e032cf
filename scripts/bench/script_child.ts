/**
 * A benchmark child that is a Deno script of this folder: its JSON config written to a file,
 * started on a stdin lifeline, its first stdout line a ready message (failures carry the tail
 * of its stderr), later lines read by the caller.
 *
 * @module
 */

import type { ChildProcesses, RunningChild } from "./child_processes.ts";
import { ChildLines } from "./child_lines.ts";

const READY_TIMEOUT_MS = 60_000;
const STDERR_TAIL = 2000;

/** Options of {@linkcode startScriptChild}. */
export interface ScriptChildOptions {
  /** Label for messages, and what the error says did not start. */
  name: string;
  /** The script, next to this file. */
  script: URL;
  /** Written as JSON to `configFile`, whose path is the script's one argument. */
  config: unknown;
  /** Where the config goes. */
  configFile: string;
  /** Pass the child's stderr through instead of keeping its tail for errors. */
  inheritStderr?: boolean;
  /** CPUs to start it on (`taskset -c` list). */
  cpus?: string;
  /** Flags for `deno run` before the script (a proxy child's `--v8-flags`). */
  denoFlags?: string[];
}

/** A started script child. */
export interface ScriptChild {
  /** The child, to stop it. */
  child: RunningChild;
  /** Its stdout lines after the ready line. */
  lines: ChildLines;
  /** Its ready line, parsed as JSON. */
  ready: Record<string, unknown>;
  /** Write `line` and a newline to its stdin (the lifeline), for a child that reads requests. */
  send(line: string): Promise<void>;
}

/**
 * Start `deno run -A --quiet SCRIPT CONFIG_FILE` and wait for its first line.
 *
 * @throws {Error} `NAME did not start: …` with the tail of its stderr.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { startScriptChild } from "./script_child.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await using children = new ChildProcesses();
 * const { ready, child } = await startScriptChild(children, {
 *   name: "Upstream servers",
 *   script: new URL("./upstream_child.ts", import.meta.url),
 *   config: await createTestCertificates(["bench.example"], dir),
 *   configFile: `${dir}/upstream.json`,
 * });
 * assert.equal(typeof ready.httpPort, "number"); // ready line: {"httpPort":…,"httpsPort":…}
 * await child.stop();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startScriptChild(
  children: ChildProcesses,
  options: ScriptChildOptions,
): Promise<ScriptChild> {
  await Deno.writeTextFile(options.configFile, JSON.stringify(options.config));
  const { child, process } = children.spawn(
    Deno.execPath(),
    [
      "run",
      "-A",
      "--quiet",
      ...(options.denoFlags ?? []),
      options.script.pathname,
      options.configFile,
    ],
    {
      name: options.name,
      lifeline: true,
      stdout: "piped",
      stderr: options.inheritStderr ? "inherit" : "piped",
      env: { NO_COLOR: "1" },
      ...(options.cpus ? { cpus: options.cpus } : {}),
    },
  );
  const stderr = options.inheritStderr ? Promise.resolve("") : collectTail(process.stderr);
  const lines = new ChildLines(process.stdout);
  try {
    const line = await lines.next(READY_TIMEOUT_MS);
    if (line === undefined) throw new Error("the child exited");
    return { child, lines, ready: JSON.parse(line), send: (text) => sendLine(process, text) };
  } catch (error) {
    await child.stop();
    const tail = (await stderr).trim().split("\n").slice(-3).join(" | ");
    throw new Error(
      `${options.name} did not start: ${(error as Error).message}${tail ? `: ${tail}` : ""}`,
    );
  }
}

/** Write one line to the child's stdin, releasing it after so that stopping can close it. */
async function sendLine(process: Deno.ChildProcess, line: string): Promise<void> {
  const writer = process.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(`${line}\n`));
  } finally {
    writer.releaseLock();
  }
}

/**
 * The last characters a child wrote to `stream`, once it ends (for error messages).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectTail } from "./script_child.ts";
 *
 * const command = new Deno.Command("sh", { args: ["-c", "echo failed >&2"], stderr: "piped" });
 * const child = command.spawn();
 * assert.equal(await collectTail(child.stderr), "failed\n");
 * await child.status;
 * ```
 */
export async function collectTail(stream: ReadableStream<Uint8Array>): Promise<string> {
  let tail = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    tail = (tail + chunk).slice(-STDERR_TAIL);
  }
  return tail;
}
