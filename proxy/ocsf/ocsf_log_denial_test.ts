import assert from "node:assert/strict";
import { join } from "node:path";
import type { Decision } from "../policy/mod.ts";
import { configEvent, ocsfEventFromDecision, OcsfLog } from "./mod.ts";

const DAY = Date.UTC(2026, 4, 6, 12, 0, 0);
const deny: Decision = {
  verdict: "deny",
  layer: "l4",
  reason: "no policy allows evil.example:443",
  host: "evil.example",
  port: 443,
};
const allow: Decision = {
  verdict: "allow",
  layer: "l4",
  reason: "allowed by policy 'gh'",
  policy: "gh",
  host: "api.github.com",
  port: 443,
};

async function withLog(fn: (log: OcsfLog, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate_ocsf_denial_" });
  const log = new OcsfLog(dir, { keepOpen: true, batchMs: 60_000 });
  try {
    await fn(log, dir);
  } finally {
    await log.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function hosts(dir: string, file: string): string[] {
  const text = Deno.readTextFileSync(join(dir, `${file}.2026-05-06.jsonl`));
  return text.split("\n").filter((l) => l !== "").map((l) => {
    const event = JSON.parse(l);
    return event.dst_endpoint?.domain ?? event.message;
  });
}

Deno.test("OcsfLog (keepOpen) has a denial and the decisions held before it on disk when append() returns", async () => {
  await withLog(async (log, dir) => {
    // As an L7 denial follows its request's L4 allow.
    const held = log.append(ocsfEventFromDecision(allow, { time: DAY }));
    const denied = log.append(ocsfEventFromDecision(deny, { time: DAY + 1 }));
    // No await yet: the 403 waiting on it leaves without a trip through the file threads.
    assert.deepEqual(hosts(dir, "ocsf"), ["api.github.com", "evil.example"]);
    assert.deepEqual(hosts(dir, "denials"), ["evil.example"]);
    await Promise.all([held, denied]);
  });
});

Deno.test("OcsfLog (keepOpen) queues a denial behind many held decisions, in order", async () => {
  await withLog(async (log, dir) => {
    const held = Array.from(
      { length: 20 },
      (_, i) => log.append(ocsfEventFromDecision(allow, { time: DAY + i })),
    );
    const denied = log.append(ocsfEventFromDecision(deny, { time: DAY + 20 }));
    assert.throws(() => hosts(dir, "ocsf"), Deno.errors.NotFound);
    await Promise.all([...held, denied]);
    assert.deepEqual(hosts(dir, "ocsf"), [...Array(20).fill("api.github.com"), "evil.example"]);
    assert.deepEqual(hosts(dir, "denials"), ["evil.example"]);
  });
});

Deno.test("OcsfLog (keepOpen) writes a denial after the writes already queued, in order", async () => {
  await withLog(async (log, dir) => {
    const loaded = log.append(configEvent("LOADED", "Policy loaded", { time: DAY }));
    const denied = log.append(ocsfEventFromDecision(deny, { time: DAY + 1 }));
    await Promise.all([loaded, denied]);
    assert.deepEqual(hosts(dir, "ocsf"), ["Policy loaded", "evil.example"]);
    assert.deepEqual(hosts(dir, "denials"), ["evil.example"]);
  });
});
