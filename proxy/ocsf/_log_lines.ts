/**
 * The lines a batch of events adds to the log, per UTC day: every event in its compact form
 * (see `compact_event.ts`) for the day file, and the denials again for the denials file.
 *
 * @module
 */

import { compactEvent } from "./compact_event.ts";
import type { OcsfEvent } from "./types.ts";

/** One day's lines of a batch. */
export interface DayLines {
  /** JSONL text for the day file, one line per event. */
  json: string;
  /** JSONL text for the day's denials file: the denials among the events, the same lines. */
  denied: string;
  /** Number of events. */
  count: number;
}

/** An allowed network decision: the events a busy proxy writes most, and may hold briefly. */
export function isRoutine(event: OcsfEvent): boolean {
  return (event.class_uid === 4001 || event.class_uid === 4002) && event.action_id === 1;
}

/** A denied network decision: the events `/v1/denials` and `logs --denied` look up. */
export function isDenial(event: { class_uid?: unknown; action_id?: unknown }): boolean {
  return (event.class_uid === 4001 || event.class_uid === 4002) && event.action_id === 2;
}

/** The lines of `events`, per UTC day, in order. */
export function linesByDay(events: OcsfEvent[]): Map<string, DayLines> {
  const days = new Map<string, DayLines>();
  // A batch nearly always falls within one day: name it once, not once per event.
  let dayStart = Infinity;
  let lines: DayLines | undefined;
  for (const event of events) {
    const time = Number.isFinite(event.time) ? event.time : Date.now();
    if (lines === undefined || time < dayStart || time >= dayStart + DAY_MS) {
      dayStart = time - mod(time, DAY_MS);
      const day = new Date(dayStart).toISOString().slice(0, 10);
      lines = days.get(day) ?? { json: "", denied: "", count: 0 };
      days.set(day, lines);
    }
    const line = `${JSON.stringify(compactEvent(event))}\n`;
    lines.json += line;
    if (isDenial(event)) lines.denied += line;
    lines.count++;
  }
  return days;
}

// A UTC day: epoch milliseconds count no leap seconds, so every day is this long.
const DAY_MS = 86_400_000;

/** `a` modulo `b`, never negative (times before 1970 too). */
function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
