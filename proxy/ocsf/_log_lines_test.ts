import assert from "node:assert/strict";
import { linesByDay } from "./_log_lines.ts";
import { ocsfEventFromDecision } from "./decision_event.ts";
import type { Decision } from "../policy/mod.ts";

const allow: Decision = {
  verdict: "allow",
  layer: "l4",
  reason: "allowed by policy 'gh'",
  policy: "gh",
  host: "api.github.com",
  port: 443,
};
const deny: Decision = { ...allow, verdict: "deny", reason: "no rule" };

function times(byDay: Map<string, { json: string }>, day: string): number[] {
  return byDay.get(day)!.json.trim().split("\n").map((line) => JSON.parse(line).time);
}

Deno.test("linesByDay() files each event under its UTC day, in order, across midnight and back", () => {
  const midnight = Date.UTC(2026, 11, 6);
  const at = [
    midnight - 2,
    midnight - 1,
    midnight,
    midnight + 1,
    midnight - 3,
    midnight + 86_400_000,
  ];
  const events = at.map((time, i) => ocsfEventFromDecision(i === 2 ? deny : allow, { time }));
  const byDay = linesByDay(events);
  assert.deepEqual([...byDay.keys()], ["2026-12-05", "2026-12-06", "2026-12-07"]);
  assert.deepEqual(times(byDay, "2026-12-05"), [midnight - 2, midnight - 1, midnight - 3]);
  assert.deepEqual(times(byDay, "2026-12-06"), [midnight, midnight + 1]);
  assert.deepEqual(byDay.get("2026-12-06")!.count, 2);
  assert.equal(byDay.get("2026-12-06")!.denied.trim().split("\n").length, 1);
  assert.equal(byDay.get("2026-12-05")!.denied, "");
});

Deno.test("linesByDay() names days before 1970 too", () => {
  const time = Date.UTC(1969, 11, 31, 23, 59);
  const byDay = linesByDay([ocsfEventFromDecision(allow, { time })]);
  assert.deepEqual([...byDay.keys()], ["1969-12-31"]);
});
