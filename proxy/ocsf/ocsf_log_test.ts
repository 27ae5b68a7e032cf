import assert from "node:assert/strict";
import { join } from "node:path";
import type { Decision } from "../policy/mod.ts";
import {
  compactEvent,
  configEvent,
  expandEvent,
  ocsfEventFromDecision,
  OcsfLog,
  readOcsfEvents,
} from "./mod.ts";

const DAY = Date.UTC(2026, 4, 6, 12, 0, 0);
const deny: Decision = {
  verdict: "deny",
  layer: "l7",
  reason: "PUT /x not permitted by policy",
  policy: "gh_ro",
  host: "api.github.com",
  port: 443,
  method: "PUT",
  path: "/x",
};

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate_ocsf_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.endsWith("\n"));
  return text.slice(0, -1).split("\n");
}

Deno.test("OcsfLog.append() writes one compact JSON line per event, and denials again beside it", async () => {
  await withDir(async (dir) => {
    const logDir = join(dir, "nested", "logs");
    const log = new OcsfLog(logDir);
    const denial = ocsfEventFromDecision(deny, { time: DAY + 1 });
    const loaded = configEvent("LOADED", "Policy loaded", { revision: 3, time: DAY + 2 });
    await log.append(denial);
    await log.append(loaded);
    const json = await lines(join(logDir, "ocsf.2026-05-06.jsonl"));
    assert.deepEqual(
      json,
      [compactEvent(denial), compactEvent(loaded)].map((e) => JSON.stringify(e)),
    );
    assert.deepEqual(json.map((l) => expandEvent(JSON.parse(l))), [denial, loaded]);
    assert.deepEqual(await lines(join(logDir, "denials.2026-05-06.jsonl")), [json[0]]);
    assert.deepEqual([...Deno.readDirSync(logDir)].map((e) => e.name).sort(), [
      "denials.2026-05-06.jsonl",
      "ocsf.2026-05-06.jsonl",
    ]);
  });
});

Deno.test("OcsfLog.append() keeps lines whole across concurrent writer processes (kept open or not)", async () => {
  await withDir(async (dir) => {
    const mod = new URL("./mod.ts", import.meta.url).href;
    const script = `
      import { configEvent, OcsfLog } from ${JSON.stringify(mod)};
      const log = new OcsfLog(Deno.args[0], { keepOpen: Deno.args[1] !== "a", batchMs: Deno.args[1] === "c" ? 5 : 0 });
      const big = Deno.args[1].repeat(8000);
      await Promise.all(Array.from({ length: 150 }, (_, i) =>
        log.append(configEvent("PROPOSED", Deno.args[1] + i + " " + big + "\\nfake", { time: ${DAY} }))));
      await log.close();
    `;
    const run = (tag: string) =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", "--quiet", script, dir, tag],
        stdout: "null",
        stderr: "piped",
      }).output();
    const results = await Promise.all([run("a"), run("b"), run("c")]);
    for (const r of results) assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const json = await lines(join(dir, "ocsf.2026-05-06.jsonl"));
    assert.equal(json.length, 450);
    const ids = new Set(json.map((l) => JSON.parse(l).message.split(" ")[0]));
    assert.equal(ids.size, 450);
    for (const line of json) assert.match(JSON.parse(line).message, /^[abc]\d+ [abc]+\nfake$/);
  });
});

Deno.test("OcsfLog with keepOpen follows the date, and appends after close() still land", async () => {
  await withDir(async (dir) => {
    const log = new OcsfLog(dir, { keepOpen: true });
    try {
      await log.append(configEvent("LOADED", "one", { time: DAY }));
      await log.append(configEvent("LOADED", "two", { time: DAY + 86_400_000 }));
      await log.append(configEvent("LOADED", "three", { time: DAY + 86_400_001 }));
    } finally {
      await log.close();
    }
    await log.append(configEvent("LOADED", "four", { time: DAY + 86_400_002 }));
    const messages = async (day: string) =>
      (await lines(join(dir, `ocsf.${day}.jsonl`))).map((l) => JSON.parse(l).message);
    assert.deepEqual(await messages("2026-05-06"), ["one"]);
    assert.deepEqual(await messages("2026-05-07"), ["two", "three", "four"]);
    // Each day's segment has its denials file from the start, empty while there is none.
    assert.equal(await Deno.readTextFile(join(dir, "denials.2026-05-07.jsonl")), "");
  });
});

Deno.test("OcsfLog.append() rejects on a file system error and keeps working", async () => {
  await withDir(async (dir) => {
    const blocker = join(dir, "file");
    await Deno.writeTextFile(blocker, "");
    await assert.rejects(new OcsfLog(join(blocker, "logs")).append(configEvent("LOADED", "x", {})));
    const log = new OcsfLog(dir);
    await log.append(configEvent("LOADED", "ok", { time: DAY }));
    assert.equal((await lines(join(dir, "ocsf.2026-05-06.jsonl"))).length, 1);
  });
});

Deno.test("readOcsfEvents() reads newest first from the two newest files", async () => {
  await withDir(async (dir) => {
    const log = new OcsfLog(dir);
    const dayMs = 86_400_000;
    for (let d = 0; d < 3; d++) {
      for (let i = 0; i < 3; i++) {
        await log.append(configEvent("LOADED", `d${d} i${i}`, { time: DAY + d * dayMs + i }));
      }
    }
    // Garbage a reader must skip: a torn line, a non-object, an object missing fields.
    await Deno.writeTextFile(join(dir, "ocsf.2026-05-08.jsonl"), '{"class_uid":\n[1]\n{"a":1}\n', {
      append: true,
    });
    const all = await readOcsfEvents(dir, { last: 100 });
    assert.equal(all.logAvailable, true);
    assert.deepEqual(all.events.map((e) => e.message), [
      "d2 i2",
      "d2 i1",
      "d2 i0",
      "d1 i2",
      "d1 i1",
      "d1 i0",
    ]);
    const some = await readOcsfEvents(dir, { last: 2, filter: (e) => e.message !== "d2 i2" });
    assert.deepEqual(some.events.map((e) => e.message), ["d2 i1", "d2 i0"]);
    const raw = await readOcsfEvents(dir, { last: 5, contains: '"d1 i' });
    assert.deepEqual(raw.events.map((e) => e.message), ["d1 i2", "d1 i1", "d1 i0"]);
  });
});

Deno.test("readOcsfEvents() handles lines longer than a read chunk and a byte budget", async () => {
  await withDir(async (dir) => {
    const log = new OcsfLog(dir);
    for (let i = 0; i < 5; i++) {
      await log.append(configEvent("LOADED", `${i}:${"z".repeat(50_000)}`, { time: DAY + i }));
    }
    const { events } = await readOcsfEvents(dir, { last: 10 });
    assert.deepEqual(events.map((e) => e.message?.split(":")[0]), ["4", "3", "2", "1", "0"]);
    const budget = await readOcsfEvents(dir, { last: 10, maxBytesPerFile: 120_000 });
    assert.deepEqual(budget.events.map((e) => e.message?.split(":")[0]), ["4", "3"]);
  });
});

Deno.test("readOcsfEvents() reports a missing or empty log", async () => {
  await withDir(async (dir) => {
    assert.deepEqual(await readOcsfEvents(join(dir, "none"), { last: 5 }), {
      events: [],
      logAvailable: false,
    });
    assert.deepEqual(await readOcsfEvents(dir, { last: 5 }), { events: [], logAvailable: false });
  });
});

Deno.test("OcsfLog with batchMs holds allowed decisions, and a denial writes them first, in order", async () => {
  await withDir(async (dir) => {
    const allow: Decision = { ...deny, verdict: "allow", reason: "allowed by gh_ro" };
    const log = new OcsfLog(dir, { keepOpen: true, batchMs: 60_000 });
    const path = join(dir, "ocsf.2026-05-06.jsonl");
    const exists = () => Deno.stat(path).then(() => true, () => false);
    try {
      const held = [1, 2].map((i) => log.append(ocsfEventFromDecision(allow, { time: DAY + i })));
      assert.equal(await exists(), false, "allowed decisions are held");
      await log.append(ocsfEventFromDecision(deny, { time: DAY + 3 }));
      await Promise.all(held);
      assert.deepEqual((await lines(path)).map((l) => JSON.parse(l).time), [
        DAY + 1,
        DAY + 2,
        DAY + 3,
      ]);
      const later = log.append(ocsfEventFromDecision(allow, { time: DAY + 4 }));
      await log.flush();
      await later;
      assert.equal((await lines(path)).length, 4);
      void log.append(ocsfEventFromDecision(allow, { time: DAY + 5 }));
    } finally {
      await log.close();
    }
    // close() wrote the last held decision.
    assert.deepEqual((await lines(path)).map((l) => JSON.parse(l).time).at(-1), DAY + 5);
    const denials = await lines(join(dir, "denials.2026-05-06.jsonl"));
    assert.deepEqual(denials.map((l) => JSON.parse(l).time), [DAY + 3]);
  });
});

Deno.test("OcsfLog with batchMs writes held decisions once the window has passed", async () => {
  await withDir(async (dir) => {
    const allow: Decision = { ...deny, verdict: "allow", reason: "allowed by gh_ro" };
    const log = new OcsfLog(dir, { keepOpen: true, batchMs: 5 });
    try {
      await Promise.all(
        [1, 2, 3].map((i) => log.append(ocsfEventFromDecision(allow, { time: DAY + i }))),
      );
      assert.equal((await lines(join(dir, "ocsf.2026-05-06.jsonl"))).length, 3);
    } finally {
      await log.close();
    }
  });
});

Deno.test("OcsfLog with keepOpen writes from a queue, off the caller's turn, in append order", async () => {
  await withDir(async (dir) => {
    const allow: Decision = { ...deny, verdict: "allow", reason: "allowed by gh_ro" };
    const log = new OcsfLog(dir, { keepOpen: true, batchMs: 5 });
    const path = join(dir, "ocsf.2026-05-06.jsonl");
    try {
      const first = log.append(configEvent("LOADED", "Policy loaded", { time: DAY }));
      // A config event is written at once, but not before append() returns: the disk never
      // holds up the caller. (Checked without yielding: the queued write may run at the next
      // turn.) The denials below queue behind it (see ocsf_log_denial_test.ts).
      assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
      const rest = Array.from(
        { length: 40 },
        (_, i) =>
          log.append(ocsfEventFromDecision(i % 3 === 0 ? deny : allow, { time: DAY + 1 + i })),
      );
      await Promise.all([first, ...rest]);
      const times = (await lines(path)).map((l) => JSON.parse(l).time);
      assert.deepEqual(times, Array.from({ length: 41 }, (_, i) => DAY + i));
      assert.equal((await lines(join(dir, "denials.2026-05-06.jsonl"))).length, 14);
    } finally {
      await log.close();
    }
  });
});
