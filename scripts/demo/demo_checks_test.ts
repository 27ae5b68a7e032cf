import assert from "node:assert/strict";
import { checkAgentSteps, storyLines } from "./demo_checks.ts";

const TRACE = [
  "2026-01-01T00:00:00.000Z OCSF CONFIG:LOADED [INFO] Policy reloaded successfully [version:0 hash:a]",
  "2026-01-01T00:00:01.000Z OCSF HTTP:PUT [MED] DENIED /usr/bin/curl(1) -> PUT https://h/x",
  "2026-01-01T00:00:02.000Z OCSF CONFIG:PROPOSED [INFO] agent proposal p-1",
  "2026-01-01T00:00:03.000Z OCSF CONFIG:LOADED [INFO] Policy reloaded successfully [version:1 hash:b]",
  "2026-01-01T00:00:03.100Z OCSF CONFIG:APPROVED [INFO] proposal p-1 approved [version:1 hash:b]",
  "2026-01-01T00:00:04.000Z OCSF HTTP:PUT [INFO] ALLOWED /usr/bin/curl(2) -> PUT https://h/x",
];

Deno.test("storyLines() finds the five stages, APPROVED and LOADED in either order", () => {
  const { lines, missing } = storyLines(TRACE);
  assert.deepEqual(missing, []);
  assert.deepEqual(lines, [TRACE[1], TRACE[2], TRACE[4], TRACE[3], TRACE[5]]);
  const swapped = [...TRACE.slice(0, 3), TRACE[4]!, TRACE[3]!, TRACE[5]!];
  assert.deepEqual(storyLines(swapped).missing, []);
});

Deno.test("storyLines() reports stages that are missing or out of order", () => {
  // The start-up load (version 0) does not count as the reload of the approved revision.
  assert.deepEqual(storyLines([TRACE[0]!, TRACE[1]!, TRACE[2]!, TRACE[4]!, TRACE[5]!]).missing, [
    "LOADED",
    "ALLOWED",
  ]);
  // An allowed request before the approval is not the retry.
  assert.deepEqual(storyLines([TRACE[1]!, TRACE[5]!, TRACE[2]!, TRACE[3]!, TRACE[4]!]).missing, [
    "ALLOWED",
  ]);
  assert.deepEqual(storyLines([]).missing, ["DENIED", "PROPOSED", "APPROVED", "LOADED", "ALLOWED"]);
});

Deno.test("checkAgentSteps() accepts the full loop and names each missing step", () => {
  const steps = [
    { step: "write_denied", status: 403, body: { error: "policy_denied", layer: "l7" } },
    { step: "skill_read", status: 200 },
    { step: "policy_read", status: 200 },
    { step: "proposal_submitted", status: 202 },
    { step: "proposal_decided", status: 200, body: { status: "approved", policy_reloaded: true } },
    { step: "write_retried", status: 201 },
    { step: "read_back", status: 200 },
  ];
  assert.deepEqual(checkAgentSteps(steps), []);
  const problems = checkAgentSteps(steps.filter((s) => s.step !== "skill_read"));
  assert.deepEqual(problems.map((p) => p.step), ["skill"]);
  const unreloaded = steps.map((s) =>
    s.step === "proposal_decided" ? { ...s, body: { status: "approved" } } : s
  );
  assert.deepEqual(checkAgentSteps(unreloaded).map((p) => p.step), ["reload"]);
});
