/**
 * Read the newest OCSF events back from the daily files, newest first, in their full form
 * whether a line was written compact or (by an older version) whole.
 *
 * @module
 */

import { join } from "node:path";
import { expandEvent } from "./compact_event.ts";
import { linesFromEnd } from "./_lines_from_end.ts";
import { isDenial } from "./_log_lines.ts";
import { type LogSegment, logSegments } from "./ocsf_log_files.ts";
import type { OcsfEvent } from "./types.ts";

/** Options of {@linkcode readOcsfEvents}. */
export interface ReadOcsfOptions {
  /** Maximum number of events to return. */
  last: number;
  /** Keep only events for which this returns true. */
  filter?: (event: OcsfEvent) => boolean;
  /**
   * Skip, before parsing, every line that does not contain this text (e.g. `"sandbox":"sb-1"`);
   * parsing dominates the cost of a scan, and most lines of a busy log are not wanted.
   */
  contains?: string;
  /**
   * Only denials, read from the denials files: a denial is found however many allowed
   * events followed it, in any segment of the retained days.
   */
  denied?: boolean;
  /**
   * Bytes scanned per file at most, and twice that over all files, so a huge log cannot
   * stall a caller.
   */
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
/** Files scanned whole-day (all events, or denials of a day without a denials file). */
const FILES_TO_SCAN = 2;
/** Denials files scanned at most: every segment of 14 days of a busy proxy. */
const DENIAL_FILES_TO_SCAN = 256;
const DENIAL_MARK = '"action_id":2';

/**
 * Read up to `last` events, newest first. All events come from the two newest
 * `ocsf.YYYY-MM-DD[.N].jsonl` files (by day, then rotation segment); with `denied`, denials
 * come from the `denials.YYYY-MM-DD[.N].jsonl` files of every segment, newest first, and
 * from the day file itself for a segment an older version wrote without one. Files are read
 * backwards in chunks, so the cost follows the events returned, not the file size.
 * Malformed or oversized lines are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configEvent, OcsfLog, readOcsfEvents } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const log = new OcsfLog(dir);
 * await log.append(configEvent("LOADED", "Policy loaded", { revision: 1 }));
 * await log.append(configEvent("LOADED", "Policy loaded", { revision: 2 }));
 * await log.close();
 * const { events } = await readOcsfEvents(dir, { last: 5 });
 * assert.equal(events.length, 2);
 * assert.equal((await readOcsfEvents(dir, { last: 5, denied: true })).events.length, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readOcsfEvents(
  logDir: string,
  options: ReadOcsfOptions,
): Promise<ReadOcsfResult> {
  const segments = (await logSegments(logDir)).reverse();
  const events: OcsfEvent[] = [];
  const maxBytes = options.maxBytesPerFile ?? defaults.maxBytesPerFile;
  const wanted = (event: OcsfEvent) =>
    (!options.denied || isDenial(event)) && (!options.filter || options.filter(event));
  // A flood of other sandboxes' denials cannot make one read walk every retained file.
  let budget = maxBytes * FILES_TO_SCAN;
  for (const [name, marks] of sources(segments, options.denied === true)) {
    for await (const line of linesFromEnd(join(logDir, name), Math.min(maxBytes, budget))) {
      budget -= line.length + 1;
      if (!marks.every((mark) => line.includes(mark))) continue;
      if (options.contains !== undefined && !line.includes(options.contains)) continue;
      const event = parseOcsfLine(line);
      if (event === undefined || !wanted(event)) continue;
      events.push(event);
      if (events.length >= options.last) return { events, logAvailable: true };
    }
    if (budget <= 0) break;
  }
  return { events, logAvailable: segments.length > 0 };
}

/** The files to read, newest first, each with the texts its wanted lines must contain. */
function sources(segments: LogSegment[], denied: boolean): [string, string[]][] {
  if (!denied) {
    const days = segments.flatMap((s) => s.json ?? []).slice(0, FILES_TO_SCAN);
    return days.map((name) => [name, []]);
  }
  const out: [string, string[]][] = [];
  for (const [i, segment] of segments.slice(0, DENIAL_FILES_TO_SCAN).entries()) {
    if (segment.denied !== undefined) out.push([segment.denied, []]);
    // Written before denials files existed: only the newest such days are worth a scan.
    else if (i < FILES_TO_SCAN) out.push([segment.json!, [DENIAL_MARK]]);
  }
  return out;
}

/**
 * Parse one line of an OCSF log file into the full event: a compact line is expanded (see
 * {@linkcode expandEvent}), a whole one taken as it is. Undefined for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOcsfLine } from "./mod.ts";
 * const e = parseOcsfLine('{"class_uid":4001,"activity_id":1,"time":0,"action_id":1}');
 * assert.equal(e?.class_name, "Network Activity");
 * assert.equal(parseOcsfLine("not json"), undefined);
 * ```
 */
export function parseOcsfLine(line: string): OcsfEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const e = expandEvent(value as Record<string, unknown>);
  const numbers = ["class_uid", "activity_id", "time", "severity_id"];
  if (!numbers.every((k) => typeof e[k] === "number" && Number.isFinite(e[k]))) return undefined;
  if (typeof e.activity_name !== "string") return undefined;
  return e as unknown as OcsfEvent;
}
