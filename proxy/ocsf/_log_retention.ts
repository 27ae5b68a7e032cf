/**
 * What a log directory deletes, decided in one place: the days older than `keepDays`, then,
 * past the byte budget, the oldest allowed-event segments (their denials files kept, so every
 * denial stays findable) and only when denials alone exceed it the oldest denials files.
 *
 * A writer holds a shared lock on the segment it has open; the budget deletes a file only
 * under an exclusive lock it got at once, so a segment another proxy of the same directory
 * still writes is never deleted (a writer that opened a file just deleted opens it again).
 *
 * @module
 */

import { join } from "node:path";

const ANY_LOG_NAME =
  /^(ocsf|denials|tollgate)\.(\d{4}-\d{2}-\d{2})(?:\.([1-9]\d{0,5}))?\.(?:jsonl|log)$/;
const DAY_MS = 86_400_000;
/** Bytes read from the start of a deleted file to find its first event's time. */
const HEAD_BYTES = 4096;

/** How long and how much a log directory keeps. */
export interface Retention {
  /** Delete the files of days more than this many days before the day being written. */
  keepDays: number;
  /** Total bytes of the directory's log files past which the oldest go; 0 for no budget. */
  budgetBytes: number;
}

/** What the budget deleted. */
export interface BudgetCut {
  /** The deleted files, oldest first. */
  files: string[];
  /** Their bytes. */
  bytes: number;
  /** Denials files among them (only once denials alone exceeded the budget). */
  denialFiles: number;
  /** Time (ms) of the first event of the oldest deleted file, when it could be read. */
  startTime?: number;
  /** Last write (ms) of the newest deleted file. */
  endTime?: number;
}

/** What {@linkcode pruneLogFiles} deleted. */
export interface PruneResult {
  /** Files deleted for their age. */
  aged: number;
  /** Files deleted past the budget, when any. */
  cut?: BudgetCut;
}

interface LogFile {
  name: string;
  kind: string;
  day: string;
  segment: number;
  size: number;
  mtime: number;
}

/**
 * Delete the log files of days more than `keepDays` before `day` (the day being written, so
 * that a clock set back deletes nothing new), then the oldest files past the budget. Files
 * that vanish meanwhile are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneLogFiles } from "./_log_retention.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-05.jsonl`, "");
 * await Deno.writeTextFile(`${dir}/ocsf.2026-05-06.jsonl`, "x".repeat(10));
 * await Deno.writeTextFile(`${dir}/denials.2026-05-06.jsonl`, "y".repeat(10));
 * const pruned = pruneLogFiles(dir, "2026-05-20", { keepDays: 14, budgetBytes: 15 });
 * assert.equal(pruned.aged, 1); // 2026-05-05 and older
 * assert.deepEqual(pruned.cut?.files, ["ocsf.2026-05-06.jsonl"]); // its denials stay
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function pruneLogFiles(dir: string, day: string, retention: Retention): PruneResult {
  const cutoff = new Date(Date.parse(`${day}T00:00:00Z`) - retention.keepDays * DAY_MS)
    .toISOString().slice(0, 10);
  let aged = 0;
  const kept: LogFile[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const match = ANY_LOG_NAME.exec(entry.name);
    if (!entry.isFile || !match) continue;
    if (match[2]! < cutoff) {
      if (remove(join(dir, entry.name))) aged++;
    } else if (retention.budgetBytes > 0) {
      const info = statOf(join(dir, entry.name));
      if (info === undefined) continue;
      const [, kind, fileDay, segment] = match as unknown as string[];
      kept.push({
        name: entry.name,
        kind: kind!,
        day: fileDay!,
        segment: Number(segment ?? 0),
        ...info,
      });
    }
  }
  const cut = retention.budgetBytes > 0 ? cutToBudget(dir, kept, retention.budgetBytes) : undefined;
  return cut ? { aged, cut } : { aged };
}

/**
 * Delete the oldest files until the total fits `budget`: first the day files whose denials
 * sit in a denials file of their own (and the shorthand twins of older versions), then the
 * rest: denials files, and day files an older version wrote without one (they hold denials).
 */
function cutToBudget(dir: string, files: LogFile[], budget: number): BudgetCut | undefined {
  let total = files.reduce((sum, file) => sum + file.size, 0);
  if (total <= budget) return undefined;
  const twins = new Set(files.filter((f) => f.kind === "denials").map(segmentKey));
  const sorted = [...files].sort(byAge);
  const allowedOnly = (f: LogFile) =>
    f.kind === "tollgate" || (f.kind === "ocsf" && twins.has(segmentKey(f)));
  const cut: BudgetCut = { files: [], bytes: 0, denialFiles: 0 };
  for (const file of [...sorted.filter(allowedOnly), ...sorted.filter((f) => !allowedOnly(f))]) {
    if (total <= budget) break;
    const removed = removeUnlocked(join(dir, file.name));
    if (!removed.done) continue;
    total -= file.size;
    cut.files.push(file.name);
    cut.bytes += file.size;
    if (file.kind === "denials") cut.denialFiles++;
    if (removed.firstTime !== undefined) {
      cut.startTime = Math.min(cut.startTime ?? Infinity, removed.firstTime);
    }
    cut.endTime = Math.max(cut.endTime ?? 0, file.mtime);
  }
  return cut.files.length > 0 ? cut : undefined;
}

function segmentKey(file: LogFile): string {
  return `${file.day}.${file.segment}`;
}

function byAge(a: LogFile, b: LogFile): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.segment - b.segment;
}

function statOf(path: string): { size: number; mtime: number } | undefined {
  try {
    const info = Deno.statSync(path);
    return { size: info.size, mtime: info.mtime?.getTime() ?? 0 };
  } catch {
    return undefined;
  }
}

function remove(path: string): boolean {
  try {
    Deno.removeSync(path);
    return true;
  } catch {
    // Another writer of the same directory deleted it first.
    return false;
  }
}

/**
 * Delete a file unless a writer holds it open (its shared lock refuses ours), reading the
 * time of its first event on the way.
 */
function removeUnlocked(path: string): { done: boolean; firstTime?: number } {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch {
    return { done: false };
  }
  try {
    if (!file.tryLockSync(true)) return { done: false };
    const head = new Uint8Array(HEAD_BYTES);
    const text = new TextDecoder().decode(head.subarray(0, file.readSync(head) ?? 0));
    Deno.removeSync(path);
    const time = /"time":(\d{1,16})[,}]/.exec(text.split("\n", 1)[0]!)?.[1];
    return time === undefined ? { done: true } : { done: true, firstTime: Number(time) };
  } catch {
    return { done: false };
  } finally {
    file.close();
  }
}
