/**
 * The JSON and shorthand lines of a batch of events, per UTC day.
 *
 * @module
 */

import { renderShorthand } from "./shorthand.ts";
import type { OcsfEvent } from "./types.ts";

/** One day's lines of a batch. */
export interface DayLines {
  /** JSONL text, one line per event. */
  json: string;
  /** Shorthand text, one line per event. */
  text: string;
  /** Number of events. */
  count: number;
}

/** An allowed network decision: the events a busy proxy writes most, and may hold briefly. */
export function isRoutine(event: OcsfEvent): boolean {
  return (event.class_uid === 4001 || event.class_uid === 4002) && event.action_id === 1;
}

/** The JSON and shorthand lines of `events`, per UTC day, in order. */
export function linesByDay(events: OcsfEvent[]): Map<string, DayLines> {
  const days = new Map<string, DayLines>();
  for (const event of events) {
    const time = Number.isFinite(event.time) ? event.time : Date.now();
    const iso = new Date(time).toISOString();
    const day = iso.slice(0, 10);
    const lines = days.get(day) ?? { json: "", text: "", count: 0 };
    lines.json += `${JSON.stringify(event)}\n`;
    lines.text += `${iso} OCSF ${renderShorthand(event)}\n`;
    lines.count++;
    days.set(day, lines);
  }
  return days;
}
