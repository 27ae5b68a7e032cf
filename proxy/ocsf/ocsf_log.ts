/**
 * The file sink: one JSON line per event in `ocsf.YYYY-MM-DD.jsonl` and one shorthand line in
 * `tollgate.YYYY-MM-DD.log` (UTC dates), both append-only.
 *
 * @module
 */

import { join } from "node:path";
import { renderShorthand } from "./shorthand.ts";
import type { OcsfEvent } from "./types.ts";

/** Options of {@linkcode OcsfLog}. */
export interface OcsfLogOptions {
  /**
   * Keep the day's two files open between appends (closed by {@linkcode OcsfLog.close}, and
   * reopened when the date changes). Off by default: without it no file handle outlives a call.
   */
  keepOpen?: boolean;
  /**
   * Hold allowed network decisions for up to this many ms and write them together (one write
   * per file per batch), so that a request makes no file write on its way upstream. Any other
   * event (a denial, a config or proposal event) writes the held ones and itself at once, in
   * order, so `/v1/denials` and `logs --follow` see a denial as it happens. A process killed
   * outright loses at most this window of allowed decisions; {@linkcode OcsfLog.close} and
   * {@linkcode OcsfLog.flush} write them. 0 (the default) writes every event at once.
   */
  batchMs?: number;
}

const defaults = { keepOpen: false, batchMs: 0 } satisfies Required<OcsfLogOptions>;

/** Held events beyond this many are written at once, whatever the window. */
const MAX_HELD = 512;

interface DayFiles {
  day: string;
  json: Deno.FsFile;
  text: Deno.FsFile;
}

const encoder = new TextEncoder();

/**
 * Appends OCSF events to the daily JSONL and shorthand files of one directory.
 *
 * Whole lines are written by a single `write` on a file opened with `O_APPEND`, so lines from
 * several processes never interleave inside a line. Writes are synchronous on purpose: a
 * small append costs about 12 µs that way against about 120 µs through the async file ops
 * (measured on the 2-core CI box), and it keeps both files in event order. With `batchMs`,
 * allowed decisions are held briefly and written together, off the request path.
 * Opening and closing both files per event costs as much again, so a long-running writer (the
 * proxy) passes `keepOpen` and calls {@linkcode OcsfLog.close} when it stops. The directory is
 * created on first use.
 *
 * @example
 * ```ts ignore
 * import { configEvent, OcsfLog } from "./mod.ts";
 * const log = new OcsfLog("/var/lib/tollgate/logs", { keepOpen: true });
 * await log.append(configEvent("LOADED", "Policy loaded", { revision: 1 }));
 * log.close();
 * ```
 */
export class OcsfLog {
  readonly #dir: string;
  readonly #keepOpen: boolean;
  readonly #batchMs: number;
  #dirReady = false;
  #files: DayFiles | undefined;
  #closed = false;
  #held: OcsfEvent[] = [];
  #batch: PromiseWithResolvers<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Bind the log to a directory.
   *
   * @param logDir Directory of the daily files (created when missing).
   * @param options `keepOpen` for a long-running writer.
   */
  constructor(logDir: string, options: OcsfLogOptions = {}) {
    this.#dir = logDir;
    this.#keepOpen = options.keepOpen ?? defaults.keepOpen;
    this.#batchMs = options.batchMs ?? defaults.batchMs;
  }

  /** The directory this log writes to. */
  get dir(): string {
    return this.#dir;
  }

  /**
   * Append one event to both daily files (the event's UTC date picks the files).
   *
   * @returns Resolves when both lines are written; rejects with the file system error.
   */
  append(event: OcsfEvent): Promise<void> {
    if (this.#batchMs > 0 && !this.#closed && isRoutine(event)) return this.#hold(event);
    return this.#writeHeld(event);
  }

  /**
   * Write the held events now.
   *
   * @returns Resolves when they are written; rejects with the file system error.
   */
  flush(): Promise<void> {
    return this.#writeHeld();
  }

  /**
   * Write the held events and close the files kept open. Later appends still work, opening
   * the files for each event.
   */
  close(): void {
    void this.flush().catch(() => {});
    this.#closed = true;
    this.#closeFiles();
  }

  #hold(event: OcsfEvent): Promise<void> {
    this.#held.push(event);
    this.#batch ??= Promise.withResolvers<void>();
    const batch = this.#batch.promise;
    if (this.#held.length >= MAX_HELD) {
      void this.flush().catch(() => {});
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush().catch(() => {}), this.#batchMs);
    }
    return batch;
  }

  /** Write the held events, then `event`, in order, and settle the callers waiting on them. */
  #writeHeld(event?: OcsfEvent): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const events = this.#held;
    const batch = this.#batch;
    this.#held = [];
    this.#batch = undefined;
    if (event) events.push(event);
    try {
      if (events.length > 0) this.#write(events);
      batch?.resolve();
      return Promise.resolve();
    } catch (error) {
      batch?.reject(error);
      return Promise.reject(error);
    }
  }

  #write(events: OcsfEvent[]): void {
    if (!this.#dirReady) {
      Deno.mkdirSync(this.#dir, { recursive: true });
      this.#dirReady = true;
    }
    for (const [day, lines] of linesByDay(events)) {
      const json = encoder.encode(lines.json);
      const text = encoder.encode(lines.text);
      if (!this.#keepOpen || this.#closed) {
        appendOnce(join(this.#dir, `ocsf.${day}.jsonl`), json);
        appendOnce(join(this.#dir, `tollgate.${day}.log`), text);
        continue;
      }
      const files = this.#filesFor(day);
      try {
        writeLine(files.json, json);
        writeLine(files.text, text);
      } catch (error) {
        // Start again from fresh handles on the next event.
        this.#closeFiles();
        throw error;
      }
    }
  }

  #filesFor(day: string): DayFiles {
    if (this.#files?.day === day) return this.#files;
    this.#closeFiles();
    const json = openAppend(join(this.#dir, `ocsf.${day}.jsonl`));
    try {
      this.#files = { day, json, text: openAppend(join(this.#dir, `tollgate.${day}.log`)) };
    } catch (error) {
      json.close();
      throw error;
    }
    return this.#files;
  }

  #closeFiles(): void {
    const files = this.#files;
    this.#files = undefined;
    files?.json.close();
    files?.text.close();
  }
}

/** An allowed network decision: the events a busy proxy writes most, and may hold briefly. */
function isRoutine(event: OcsfEvent): boolean {
  return (event.class_uid === 4001 || event.class_uid === 4002) && event.action_id === 1;
}

/** The JSON and shorthand lines of `events`, per UTC day, in order. */
function linesByDay(events: OcsfEvent[]): Map<string, { json: string; text: string }> {
  const days = new Map<string, { json: string; text: string }>();
  for (const event of events) {
    const time = Number.isFinite(event.time) ? event.time : Date.now();
    const iso = new Date(time).toISOString();
    const day = iso.slice(0, 10);
    const lines = days.get(day) ?? { json: "", text: "" };
    lines.json += `${JSON.stringify(event)}\n`;
    lines.text += `${iso} OCSF ${renderShorthand(event)}\n`;
    days.set(day, lines);
  }
  return days;
}

function openAppend(path: string): Deno.FsFile {
  return Deno.openSync(path, { append: true, create: true });
}

function appendOnce(path: string, bytes: Uint8Array): void {
  const file = openAppend(path);
  try {
    writeLine(file, bytes);
  } finally {
    file.close();
  }
}

function writeLine(file: Deno.FsFile, bytes: Uint8Array): void {
  // One write for a regular file; the loop only guards against a short write.
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}
