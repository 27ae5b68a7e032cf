/**
 * Puts on record what the audit budget deleted: a stderr line at most once per interval, and
 * a CONFIG event naming the files, their bytes and the time range they covered, written right
 * after the write whose new segment made the deletion.
 *
 * @module
 */

import type { BudgetCut } from "./_log_retention.ts";
import { configEvent } from "./config_event.ts";
import type { OcsfEvent } from "./types.ts";

/** File names an event lists at most (the counts stay whole). */
const MAX_NAMED = 64;

/** The deletions of an audit budget, and their reporting. */
export class BudgetLedger {
  readonly #budgetBytes: number;
  readonly #report: ((message: string) => void) | undefined;
  readonly #intervalMs: number;
  #pending: BudgetCut[] = [];
  #lastReport = -Infinity;
  #unreported = { files: 0, bytes: 0, denials: 0 };

  constructor(
    budgetBytes: number,
    report: ((message: string) => void) | undefined,
    intervalMs: number,
  ) {
    this.#budgetBytes = budgetBytes;
    this.#report = report;
    this.#intervalMs = intervalMs;
  }

  /** Book a deletion, and tell the operator unless a line went out recently. */
  cut(cut: BudgetCut): void {
    this.#pending.push(cut);
    this.#unreported.files += cut.files.length;
    this.#unreported.bytes += cut.bytes;
    this.#unreported.denials += cut.denialFiles;
    const now = performance.now();
    if (now - this.#lastReport < this.#intervalMs) return;
    this.#lastReport = now;
    const { files, bytes } = this.#unreported;
    const denials = this.#unreported.denials > 0
      ? "denials alone exceed it, oldest denials deleted"
      : "denials kept";
    this.#report?.(
      `audit log: over its ${mib(this.#budgetBytes)} budget, deleted the oldest ${files} ` +
        `file(s) (${mib(bytes)}; ${denials}); raise --log-budget-mb to keep more`,
    );
    this.#unreported = { files: 0, bytes: 0, denials: 0 };
  }

  /** The CONFIG event recording the deletions booked since the last one, if any. */
  takeEvent(): OcsfEvent | undefined {
    if (this.#pending.length === 0) return undefined;
    const cuts = this.#pending;
    this.#pending = [];
    const files = cuts.flatMap((c) => c.files);
    const bytes = cuts.reduce((sum, c) => sum + c.bytes, 0);
    const denialFiles = cuts.reduce((sum, c) => sum + c.denialFiles, 0);
    const starts = cuts.flatMap((c) => c.startTime ?? []);
    const start = starts.length > 0 ? Math.min(...starts) : undefined;
    const end = Math.max(...cuts.flatMap((c) => c.endTime ?? []), 0) || undefined;
    const range = `${start ? new Date(start).toISOString() : "?"} to ${
      end ? new Date(end).toISOString() : "?"
    }`;
    const event = configEvent(
      "PRUNED",
      `Audit log over its budget of ${this.#budgetBytes} bytes: deleted ${files.length} ` +
        `file(s), ${bytes} bytes, events from ${range}` +
        (denialFiles > 0 ? ` (${denialFiles} denials file(s))` : " (denials kept)"),
    );
    event.unmapped = {
      ...event.unmapped,
      audit_budget: {
        budget_bytes: this.#budgetBytes,
        deleted_files: files.slice(0, MAX_NAMED),
        deleted_file_count: files.length,
        deleted_bytes: bytes,
        deleted_denial_files: denialFiles,
        ...(start ? { start_time: start } : {}),
        ...(end ? { end_time: end } : {}),
      },
    };
    return event;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
