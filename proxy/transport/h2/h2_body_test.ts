import assert from "node:assert/strict";
import { h2Exchange } from "../examples/h2_exchange.ts";
import { watchBodyIdle } from "./h2_body.ts";

Deno.test("watchBodyIdle() arms one timer per idle period, not one per DATA frame", async () => {
  const IDLE_MS = 9_871; // a delay nothing else here asks for
  const setTimer = globalThis.setTimeout;
  let armed = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    if (ms === IDLE_MS) armed++;
    return setTimer(fn, ms);
  }) as typeof setTimeout;
  let pieces = 0;
  let idle = false;
  try {
    const answer = await h2Exchange((stream) => {
      watchBodyIdle(stream, IDLE_MS, () => idle = true);
      stream.on("data", () => pieces++);
      stream.on("end", () => stream.respond({ ":status": 200 }, { endStream: true }));
    }, { headers: { ":method": "POST" }, body: "x".repeat(1 << 20) });
    assert.equal(answer.status, 200);
  } finally {
    globalThis.setTimeout = setTimer;
  }
  // 1 MiB arrives as DATA frames of at most 16 KiB: many pieces, one timer, never idle.
  assert.ok(pieces >= 16, `${pieces} pieces`);
  assert.equal(armed, 1);
  assert.equal(idle, false);
});
