import assert from "node:assert/strict";
import { readAgentSteps } from "./scripted_agent.ts";

Deno.test("readAgentSteps() leaves out the line the agent is still writing", async () => {
  const path = await Deno.makeTempFile();
  try {
    const whole = JSON.stringify({ step: "denied", status: 403, body: { error: "policy_denied" } });
    // What a read sees mid-append: one whole line, then part of the next ("Unterminated string").
    await Deno.writeTextFile(path, `${whole}\n{"step":"proposal_submitted","body":"pol`);
    assert.deepEqual(await readAgentSteps(path), [JSON.parse(whole)]);
    await Deno.writeTextFile(path, `icy"}\n`, { append: true });
    assert.deepEqual((await readAgentSteps(path)).map((s) => s.step), [
      "denied",
      "proposal_submitted",
    ]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readAgentSteps() reads no steps before the log exists", async () => {
  assert.deepEqual(await readAgentSteps("/nonexistent/agent-steps.jsonl"), []);
});
