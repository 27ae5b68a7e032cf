/**
 * Counts the events a log could not write, tells the operator (at most once per interval),
 * and, once writing works again, hands out the CONFIG event that puts the gap on record.
 *
 * @module
 */

import { configEvent } from "./config_event.ts";
import type { OcsfEvent } from "./types.ts";

/** Events dropped by an OCSF log, and their reporting. */
export class DropLedger {
  readonly #report: ((message: string) => void) | undefined;
  readonly #intervalMs: number;
  #total = 0;
  #sinceResume = 0;
  #firstError = "";
  #lastReport = -Infinity;
  #unreported = 0;

  constructor(report: ((message: string) => void) | undefined, intervalMs: number) {
    this.#report = report;
    this.#intervalMs = intervalMs;
  }

  /** Events dropped since the log was opened. */
  get total(): number {
    return this.#total;
  }

  /** Count `count` dropped events and report them unless a report went out recently. */
  dropped(count: number, error: unknown): void {
    if (count <= 0) return;
    const reason = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    if (this.#sinceResume === 0) this.#firstError = reason;
    this.#total += count;
    this.#sinceResume += count;
    this.#unreported += count;
    const now = performance.now();
    if (now - this.#lastReport < this.#intervalMs) return;
    this.#lastReport = now;
    this.#report?.(
      `audit log: ${this.#unreported} event(s) not written (${reason}); ` +
        `${this.#total} dropped in all, enforcement goes on`,
    );
    this.#unreported = 0;
  }

  /** After a successful write: the event recording the gap, once, if events were dropped. */
  takeResumeEvent(): OcsfEvent | undefined {
    if (this.#sinceResume === 0) return undefined;
    const count = this.#sinceResume;
    this.#sinceResume = 0;
    const event = configEvent(
      "FAILED",
      `Audit log writing resumed: ${count} event(s) were dropped (${this.#firstError})`,
    );
    event.unmapped = { ...event.unmapped, dropped_events: count };
    return event;
  }
}
