/**
 * `tollgate logs`: the OCSF log of a state directory in its one-line shorthand, optionally
 * only denials, only recent events, and following new events as they are written.
 *
 * @module
 */

import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { type CliContext, resolveUserPath, UsageError } from "./context.ts";
import {
  type OcsfEvent,
  ocsfLogFiles,
  parseOcsfLine,
  readOcsfEvents,
  renderShorthand,
} from "../proxy/ocsf/mod.ts";
import { safeJson, visibleText } from "../gateway/mod.ts";
import { STATE_FLAG } from "./_flags.ts";

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Register `logs [--state DIR] [--follow] [--denied] [--since 10m] [-n N] [--json]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerLogsCommands } from "./logs_command.ts";
 *
 * const ctx = {
 *   cwd: "/",
 *   env: {},
 *   out() {},
 *   err() {},
 *   isTTY: false,
 *   signal: new AbortController().signal,
 *   setExitCode() {},
 * };
 * const program = new Command();
 * registerLogsCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["logs"]);
 * ```
 */
export function registerLogsCommands(program: Command, ctx: CliContext): void {
  program.command("logs").description("Show the OCSF log as shorthand lines, oldest first")
    .option(...STATE_FLAG)
    .option("-n, --lines <n>", "number of events", "200")
    .option("--since <age>", "only events newer than this (30s, 10m, 2h, 1d)")
    .option("--denied", "only denials")
    .option("--follow", "keep printing new events")
    .option("--json", "print JSON lines")
    .action(async (o) => {
      const last = Number(o.lines);
      if (!Number.isInteger(last) || last < 1) {
        throw new UsageError("--lines must be a positive integer");
      }
      const since = o.since === undefined ? undefined : Date.now() - parseAge(o.since);
      const filter = (e: OcsfEvent) =>
        (since === undefined || e.time >= since) && (!o.denied || isDenial(e));
      const print = (e: OcsfEvent) => ctx.out(o.json ? safeJson(e) + "\n" : logLine(e));
      const logDir = join(resolveUserPath(ctx, o.state), "logs");
      const start = await newestFile(logDir);
      const denied = o.denied === true;
      const { events, logAvailable } = await readOcsfEvents(logDir, { last, filter, denied });
      if (!logAvailable && !o.follow) ctx.err(`No OCSF log in ${logDir}\n`);
      events.reverse().forEach(print);
      if (o.follow) await follow(ctx, logDir, start, (e) => filter(e) && print(e));
    });
}

/**
 * `<UTC time> OCSF <shorthand>`, as OpenShell's log files write it.
 *
 * @example
 * Not run as a doc test: `logLine` is private to this file, so a doc test cannot import it.
 * ```ts ignore
 * ctx.out(logLine(event));
 * ```
 */
function logLine(e: OcsfEvent): string {
  const time = Number.isFinite(e.time) ? new Date(e.time).toISOString() : "-";
  return `${time} OCSF ${visibleText(renderShorthand(e), 4_000)}\n`;
}

function isDenial(e: OcsfEvent): boolean {
  return e.action_id === 2 || e.disposition_id === 2;
}

function parseAge(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) {
    throw new UsageError(`Invalid --since "${visibleText(text, 40)}": use 30s, 10m, 2h or 1d`);
  }
  return Number(m[1]) * UNITS[m[2]!]!;
}

interface Cursor {
  name?: string;
  offset: number;
}

async function newestFile(dir: string): Promise<Cursor> {
  const names = await ocsfLogFiles(dir).catch(() => [] as string[]);
  const name = names.at(-1);
  const size = name ? (await Deno.stat(join(dir, name)).catch(() => undefined))?.size : 0;
  return { name, offset: size ?? 0 };
}

/** Print events appended after `start` until the command is interrupted. */
async function follow(
  ctx: CliContext,
  dir: string,
  start: Cursor,
  onEvent: (e: OcsfEvent) => void,
) {
  await Deno.mkdir(dir, { recursive: true });
  let cursor = start;
  let partial = "";
  const drain = async () => {
    const newest = await newestFile(dir);
    if (newest.name !== cursor.name) cursor = { name: newest.name, offset: 0 };
    if (!cursor.name || newest.offset <= cursor.offset) return;
    const file = await Deno.open(join(dir, cursor.name), { read: true });
    try {
      await file.seek(cursor.offset, Deno.SeekMode.Start);
      const bytes = new Uint8Array(newest.offset - cursor.offset);
      let read = 0;
      while (read < bytes.length) {
        const n = await file.read(bytes.subarray(read));
        if (n === null) break;
        read += n;
      }
      cursor = { name: cursor.name, offset: cursor.offset + read };
      const lines = (partial + new TextDecoder().decode(bytes.subarray(0, read))).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) parseLine(line, onEvent);
    } finally {
      file.close();
    }
  };
  await watchUntilAborted(ctx.signal, dir, drain);
}

function parseLine(line: string, onEvent: (e: OcsfEvent) => void): void {
  // A torn or foreign line is skipped, as the reader does; a compact one is expanded.
  const event = parseOcsfLine(line);
  if (event !== undefined) onEvent(event);
}

async function watchUntilAborted(signal: AbortSignal, dir: string, drain: () => Promise<void>) {
  const watcher = Deno.watchFs(dir, { recursive: false });
  let busy = Promise.resolve();
  const kick = () => (busy = busy.then(drain).catch(() => {}));
  // A lost watch event is caught by a slow re-check.
  const timer = setInterval(kick, 1_000);
  const stop = () => watcher.close();
  signal.addEventListener("abort", stop, { once: true });
  try {
    if (signal.aborted) stop();
    for await (const _ of watcher) kick();
  } finally {
    clearInterval(timer);
    signal.removeEventListener("abort", stop);
    await busy;
  }
}
