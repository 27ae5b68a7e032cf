import assert from "node:assert/strict";
import { ThrottledReport } from "./_throttled_report.ts";

Deno.test("ThrottledReport passes one message per interval and counts the ones held back", () => {
  const heard: string[] = [];
  let clock = 0;
  const report = new ThrottledReport((message) => heard.push(message), 10_000, () => clock);
  report.say("out of descriptors");
  clock = 9_999;
  report.say("out of descriptors");
  report.say("listening again");
  clock = 20_000;
  report.say("listening again");
  report.say("held");
  assert.deepEqual(heard, [
    "out of descriptors",
    "listening again (2 similar messages suppressed)",
  ]);
});
