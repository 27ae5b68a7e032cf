/**
 * Read the newest OCSF events back from the daily JSONL files, newest first.
 *
 * @module
 */

import { join } from "node:path";
import { ocsfLogFiles } from "./ocsf_log_files.ts";
import type { OcsfEvent } from "./types.ts";

/** Options of {@linkcode readOcsfEvents}. */
export interface ReadOcsfOptions {
  /** Maximum number of events to return. */
  last: number;
  /** Keep only events for which this returns true. */
  filter?: (event: OcsfEvent) => boolean;
  /**
   * Skip, before parsing, every line that does not contain this text (e.g. `"action_id":2`);
   * parsing dominates the cost of a scan, and most lines of a busy log are not wanted.
   */
  contains?: string;
  /** Bytes scanned per file at most, so a huge log cannot stall a caller. */
  maxBytesPerFile?: number;
}

/** What {@linkcode readOcsfEvents} found. */
export interface ReadOcsfResult {
  /** Newest first. */
  events: OcsfEvent[];
  /** False when the directory holds no OCSF file yet. */
  logAvailable: boolean;
}

const defaults = { maxBytesPerFile: 64 * 1024 * 1024 };
const FILES_TO_SCAN = 2;
const CHUNK_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Read up to `last` events, newest first, from the two newest `ocsf.YYYY-MM-DD[.N].jsonl`
 * files of a directory (by day, then rotation segment). Files are read backwards in chunks, so the cost follows the events returned,
 * not the file size. Malformed or oversized lines are skipped.
 *
 * @example
 * ```ts ignore
 * import { readOcsfEvents } from "./mod.ts";
 * const { events } = await readOcsfEvents("/var/lib/tollgate/logs", {
 *   last: 5, filter: (e) => e.action_id === 2,
 * });
 * ```
 */
export async function readOcsfEvents(
  logDir: string,
  options: ReadOcsfOptions,
): Promise<ReadOcsfResult> {
  const files = await newestFiles(logDir);
  const events: OcsfEvent[] = [];
  const maxBytes = options.maxBytesPerFile ?? defaults.maxBytesPerFile;
  for (const name of files) {
    if (events.length >= options.last) break;
    for await (const line of linesFromEnd(join(logDir, name), maxBytes)) {
      if (options.contains !== undefined && !line.includes(options.contains)) continue;
      const event = parseEvent(line);
      if (event === undefined || (options.filter && !options.filter(event))) continue;
      events.push(event);
      if (events.length >= options.last) break;
    }
  }
  return { events, logAvailable: files.length > 0 };
}

async function newestFiles(dir: string): Promise<string[]> {
  return (await ocsfLogFiles(dir)).slice(-FILES_TO_SCAN).reverse();
}

async function* linesFromEnd(path: string, maxBytes: number): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  try {
    const decoder = new TextDecoder();
    let pos = (await file.stat()).size;
    const floor = Math.max(0, pos - maxBytes);
    let carry = new Uint8Array(0);
    let oversized = false;
    while (pos > floor) {
      const start = Math.max(floor, pos - CHUNK_BYTES);
      const chunk = concat(await readAt(file, start, pos - start), carry);
      pos = start;
      let end = chunk.length;
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== 0x0a) continue;
        if (!oversized && end > i + 1) yield decoder.decode(chunk.subarray(i + 1, end));
        oversized = false;
        end = i;
      }
      carry = chunk.slice(0, end);
      if (carry.length > MAX_LINE_BYTES) {
        // Drop the bytes of an absurdly long line and skip it when its start is found.
        carry = new Uint8Array(0);
        oversized = true;
      }
    }
    if (pos === 0 && !oversized && carry.length > 0) yield decoder.decode(carry);
  } finally {
    file.close();
  }
}

async function readAt(file: Deno.FsFile, start: number, length: number): Promise<Uint8Array> {
  await file.seek(start, Deno.SeekMode.Start);
  const buf = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(buf.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return buf.subarray(0, filled);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function parseEvent(line: string): OcsfEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const e = value as Record<string, unknown>;
  const numbers = ["class_uid", "activity_id", "time", "severity_id"];
  if (!numbers.every((k) => typeof e[k] === "number" && Number.isFinite(e[k]))) return undefined;
  if (typeof e.activity_name !== "string") return undefined;
  return value as OcsfEvent;
}
