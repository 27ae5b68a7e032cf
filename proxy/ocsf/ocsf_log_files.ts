/**
 * The names of the OCSF log files of one directory: `ocsf.YYYY-MM-DD.jsonl` and its denials
 * file `denials.YYYY-MM-DD.jsonl` (the same lines, denials only), then `ocsf.YYYY-MM-DD.1.jsonl`,
 * `.2.` and so on once a file reached its size limit; their order; and the retention that
 * deletes old days (the shorthand twins `tollgate.YYYY-MM-DD.log` of older versions too).
 *
 * @module
 */

import { join } from "node:path";

const OCSF_NAME = /^ocsf\.(\d{4}-\d{2}-\d{2})(?:\.([1-9]\d{0,5}))?\.jsonl$/;
const DENIED_NAME = /^denials\.(\d{4}-\d{2}-\d{2})(?:\.([1-9]\d{0,5}))?\.jsonl$/;
const ANY_LOG_NAME =
  /^(?:ocsf|denials|tollgate)\.(\d{4}-\d{2}-\d{2})(?:\.[1-9]\d{0,5})?\.(?:jsonl|log)$/;
const DAY_MS = 86_400_000;

/** Day and segment of an OCSF JSONL file name, or undefined for any other name. */
function parseName(name: string): { day: string; segment: number } | undefined {
  const match = OCSF_NAME.exec(name);
  return match ? { day: match[1]!, segment: Number(match[2] ?? 0) } : undefined;
}

/**
 * The JSONL and denials file names of a day's segment (0 is the day's first file).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logFileNames } from "./ocsf_log_files.ts";
 * assert.deepEqual(logFileNames("2026-05-06", 2), {
 *   json: "ocsf.2026-05-06.2.jsonl", denied: "denials.2026-05-06.2.jsonl",
 * });
 * ```
 */
export function logFileNames(day: string, segment: number): { json: string; denied: string } {
  const part = segment === 0 ? "" : `.${segment}`;
  return { json: `ocsf.${day}${part}.jsonl`, denied: `denials.${day}${part}.jsonl` };
}

/** One segment of a day's log as {@linkcode logSegments} finds it. */
export interface LogSegment {
  /** The OCSF JSONL file name. */
  json: string;
  /**
   * The denials file name when it exists: the writer creates it with the segment, so a
   * segment without one was written by an older version that kept no denials file.
   */
  denied?: string;
}

/**
 * The segments of a directory's log, oldest first (by day, then segment); empty when the
 * directory does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logSegments } from "./ocsf_log_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-06.jsonl`, "");
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-06.1.jsonl`, "");
 * await Deno.writeTextFile(`${dir}/denials.2026-05-06.1.jsonl`, "");
 * const segments = await logSegments(dir);
 * assert.equal(segments.length, 2);
 * assert.equal(segments.at(-1)?.denied, "denials.2026-05-06.1.jsonl");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function logSegments(dir: string): Promise<LogSegment[]> {
  const denied = new Set<string>();
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile) continue;
      if (parseName(entry.name)) names.push(entry.name);
      else if (DENIED_NAME.test(entry.name)) denied.add(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return names.sort(byAge).map((json) => {
    const twin = `denials.${json.slice("ocsf.".length)}`;
    return denied.has(twin) ? { json, denied: twin } : { json };
  });
}

/**
 * The OCSF JSONL file names of a directory, oldest first (by day, then segment); empty when
 * the directory does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ocsfLogFiles } from "./ocsf_log_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-07.jsonl`, "");
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-06.jsonl`, "");
 * assert.equal((await ocsfLogFiles(dir)).at(-1), "ocsf.2026-05-07.jsonl");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ocsfLogFiles(dir: string): Promise<string[]> {
  return (await logSegments(dir)).map((segment) => segment.json);
}

function byAge(a: string, b: string): number {
  const x = parseName(a)!;
  const y = parseName(b)!;
  return x.day === y.day ? x.segment - y.segment : x.day < y.day ? -1 : 1;
}

/**
 * The segment of `day` to append to: the day's newest, or the next one when the newest has
 * reached `maxBytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentSegment } from "./ocsf_log_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-06.jsonl`, "0123456789");
 * assert.equal(currentSegment(dir, "2026-05-06", 100), 0);
 * assert.equal(currentSegment(dir, "2026-05-06", 10), 1); // full: the next segment
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function currentSegment(dir: string, day: string, maxBytes: number): number {
  let newest = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const parsed = parseName(entry.name);
    if (parsed?.day === day) newest = Math.max(newest, parsed.segment);
  }
  const size = fileSize(join(dir, logFileNames(day, newest).json));
  return size >= maxBytes ? newest + 1 : newest;
}

/** Size of a file in bytes; 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Delete the log files of days more than `keepDays` before `day` (the day being written, so
 * that a clock set back deletes nothing new). Files that vanish meanwhile are ignored.
 *
 * @returns How many files were deleted.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneLogFiles } from "./ocsf_log_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-05.jsonl`, "");
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-06.jsonl`, "");
 * assert.equal(pruneLogFiles(dir, "2026-05-20", 14), 1); // deletes 2026-05-05 and older
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function pruneLogFiles(dir: string, day: string, keepDays: number): number {
  const cutoff = new Date(Date.parse(`${day}T00:00:00Z`) - keepDays * DAY_MS)
    .toISOString().slice(0, 10);
  let deleted = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const fileDay = ANY_LOG_NAME.exec(entry.name)?.[1];
    if (!entry.isFile || fileDay === undefined || fileDay >= cutoff) continue;
    try {
      Deno.removeSync(join(dir, entry.name));
      deleted++;
    } catch {
      // Another writer of the same directory deleted it first.
    }
  }
  return deleted;
}
