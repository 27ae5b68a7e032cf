/**
 * The file sink: one compact OCSF JSON line per event in `ocsf.YYYY-MM-DD.jsonl`, each denial
 * again in `denials.YYYY-MM-DD.jsonl` (UTC dates), both append-only, rotated by size and
 * pruned by age and by a byte budget. The shorthand is rendered on read, never stored.
 *
 * @module
 */

import type { AppendOutcome } from "./_append_lines.ts";
import { BudgetLedger } from "./_budget_ledger.ts";
import { DayFiles } from "./_day_files.ts";
import { DropLedger } from "./_drop_ledger.ts";
import { SyncWrites } from "./_sync_writes.ts";
import { type DayLines, isDenial, isRoutine, linesByDay } from "./_log_lines.ts";
import type { OcsfEvent } from "./types.ts";
import { OCSF_LOG_DEFAULTS as defaults, type OcsfLogOptions } from "./ocsf_log_options.ts";

/** Held events beyond this many are written at once, whatever the window. */
const MAX_HELD = 512;
/** A denial is written synchronously with at most this many events (itself included). */
const MAX_SYNC = 8;

/**
 * Appends OCSF events to the daily JSONL and denials files of one directory.
 *
 * Whole lines are written by a single `write` on a file opened with `O_APPEND`, so lines from
 * several processes never interleave inside a line. A short-lived writer (the gateway, the
 * CLI) appends synchronously: a small append costs about 12 µs that way against about 120 µs
 * through the async file ops. A long-running writer (the proxy) passes `keepOpen`: its files
 * stay open and its writes go out from an ordered queue through the async file ops, because
 * on a busy disk a synchronous append of a batch took up to 18 ms (p99 7 ms, measured in the
 * bench), all of it stalling every request in flight; except a denial (and the few events
 * held before it) meeting an empty queue, which its 403 waits for: written synchronously
 * while such writes stay fast (`_sync_writes.ts`). With `batchMs`, allowed decisions are held
 * briefly and written together. Both files keep event order, and each append's promise
 * settles once its lines are written; {@linkcode OcsfLog.close} waits for the queue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configEvent, OcsfLog, readOcsfEvents } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const log = new OcsfLog(dir, { keepOpen: true });
 * await log.append(configEvent("LOADED", "Policy loaded", { revision: 1 }));
 * await log.close();
 * const { events } = await readOcsfEvents(dir, { last: 5 });
 * assert.equal(events[0]?.message, "Policy loaded");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class OcsfLog {
  readonly #dir: string;
  readonly #keepOpen: boolean;
  readonly #batchMs: number;
  readonly #files: DayFiles;
  readonly #drops: DropLedger;
  readonly #budget: BudgetLedger;
  #closed = false;
  #held: OcsfEvent[] = [];
  #batch: PromiseWithResolvers<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The last queued write of a `keepOpen` log (never rejects: callers see their own). */
  #queue: Promise<void> = Promise.resolve();
  /** Queued writes not finished yet. */
  #queued = 0;
  readonly #sync = new SyncWrites();

  /**
   * Bind the log to a directory.
   *
   * @param logDir Directory of the daily files (created when missing).
   * @param options `keepOpen` for a long-running writer; rotation, retention, reporting.
   */
  constructor(logDir: string, options: OcsfLogOptions = {}) {
    this.#dir = logDir;
    this.#keepOpen = options.keepOpen ?? defaults.keepOpen;
    this.#batchMs = options.batchMs ?? defaults.batchMs;
    const retention = {
      keepDays: options.keepDays ?? defaults.keepDays,
      budgetBytes: options.budgetBytes ?? defaults.budgetBytes,
    };
    this.#budget = new BudgetLedger(retention.budgetBytes, options.onTrouble, 10_000);
    const maxFileBytes = options.maxFileBytes ?? defaults.maxFileBytes;
    this.#files = new DayFiles(logDir, maxFileBytes, retention, (cut) => this.#budget.cut(cut));
    this.#drops = new DropLedger(options.onTrouble, 10_000);
  }

  /** Events that could not be written since this log was created. */
  get dropped(): number {
    return this.#drops.total;
  }

  /** The directory this log writes to. */
  get dir(): string {
    return this.#dir;
  }

  /**
   * Append one event to its daily file, and a denial to the denials file too (the event's
   * UTC date picks the files).
   * @returns Resolves when its lines are written; rejects with the file system error.
   */
  append(event: OcsfEvent): Promise<void> {
    if (this.#batchMs > 0 && !this.#closed && isRoutine(event)) return this.#hold(event);
    return this.#writeHeld(event);
  }

  /** Write the held events now; resolves when they are written, rejects with the error. */
  flush(): Promise<void> {
    return this.#writeHeld();
  }

  /**
   * Write the held events, wait for the queued writes and close the files kept open. Later
   * appends still work, opening the files for each event.
   */
  async close(): Promise<void> {
    const flushed = this.flush().catch(() => {});
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await flushed;
    await this.#queue;
    this.#files.close();
  }

  #hold(event: OcsfEvent): Promise<void> {
    this.#held.push(event);
    this.#batch ??= Promise.withResolvers<void>();
    const batch = this.#batch.promise;
    if (this.#held.length >= MAX_HELD) {
      void this.flush().catch(() => {});
    } else if (this.#timer === undefined) {
      // Left armed when a denial writes the batch early (a deny request holds its L4 allow
      // first): events held later are written when it fires, sooner than the window.
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush().catch(() => {});
      }, this.#batchMs);
    }
    return batch;
  }

  /** Write the held events, then `event`, in order, and settle the callers waiting on them. */
  #writeHeld(event?: OcsfEvent): Promise<void> {
    const events = this.#held;
    const batch = this.#batch;
    this.#held = [];
    this.#batch = undefined;
    if (event) events.push(event);
    const written = events.length === 0
      ? Promise.resolve()
      : !this.#keepOpen || this.#closed
      ? this.#writeNow(events, false)
      : this.#writesAtOnce(events)
      ? this.#sync.run(() => this.#writeNow(events, true))
      : this.#enqueue(events);
    if (batch) written.then(batch.resolve, batch.reject);
    return written;
  }

  /**
   * Whether `events` end in a denial to write synchronously: its 403 waits for it, and the
   * file threads cost two thread switches on the answer's path (on a busy CPU, a wait each).
   */
  #writesAtOnce(events: OcsfEvent[]): boolean {
    return this.#queued === 0 && events.length <= MAX_SYNC && isDenial(events.at(-1)!) &&
      this.#sync.allowed;
  }

  /** Append `events` before returning, through the kept-open files or files opened for it. */
  #writeNow(events: OcsfEvent[], kept: boolean): Promise<void> {
    let failure: unknown;
    for (const [day, lines] of linesByDay(events)) {
      let outcome: AppendOutcome;
      try {
        outcome = kept ? this.#files.writeKeptSync(day, lines) : this.#files.writeSync(day, lines);
      } catch (error) {
        outcome = { droppedLines: lines.count, error };
      }
      if (outcome.error === undefined) continue;
      if (kept) this.#files.close();
      failure ??= outcome.error;
      this.#drops.dropped(outcome.droppedLines, outcome.error);
    }
    if (failure !== undefined) return Promise.reject(failure);
    const notes = this.#notes();
    return notes.length > 0 ? this.#writeNow(notes, kept).catch(() => {}) : Promise.resolve();
  }

  /** After a successful write: the events that record a gap or a budget deletion, if any. */
  #notes(): OcsfEvent[] {
    return [this.#drops.takeResumeEvent(), this.#budget.takeEvent()].filter((e) => e !== undefined);
  }

  /** Queue `events` behind the writes already queued; settles once they are written. */
  #enqueue(events: OcsfEvent[]): Promise<void> {
    // The lines are rendered now, so the queue holds text, not events that could change.
    const lines = linesByDay(events);
    this.#queued++;
    const job = this.#queue.then(() => this.#writeOpen(lines)).finally(() => this.#queued--);
    this.#queue = job.catch(() => {});
    return job;
  }

  async #writeOpen(byDay: Map<string, DayLines>): Promise<void> {
    let failure: unknown;
    for (const [day, lines] of byDay) {
      let outcome: AppendOutcome;
      try {
        outcome = await this.#files.write(day, lines);
      } catch (error) {
        outcome = { droppedLines: lines.count, error };
      }
      if (outcome.error === undefined) continue;
      this.#files.close();
      failure ??= outcome.error;
      this.#drops.dropped(outcome.droppedLines, outcome.error);
    }
    if (failure !== undefined) throw failure;
    const notes = this.#notes();
    if (notes.length > 0) await this.#writeOpen(linesByDay(notes)).catch(() => {});
  }
}
