import assert from "node:assert/strict";
import { join } from "node:path";
import { appendLines } from "./_append_lines.ts";
import { configEvent, OcsfLog, ocsfLogFiles, readOcsfEvents } from "./mod.ts";
import { pruneLogFiles } from "./_log_retention.ts";

const DAY = Date.UTC(2026, 4, 6, 12, 0, 0);
const DAY_MS = 86_400_000;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate_ocsf_files_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("OcsfLog rotates by size into numbered files that the reader orders", async () => {
  for (const keepOpen of [false, true]) {
    await withDir(async (dir) => {
      const log = new OcsfLog(dir, { keepOpen, maxFileBytes: 2_000 });
      for (let i = 0; i < 12; i++) {
        await log.append(configEvent("LOADED", `e${i} ${"x".repeat(400)}`, { time: DAY + i }));
      }
      await log.close();
      const files = await ocsfLogFiles(dir);
      assert.ok(files.length >= 3, files.join());
      assert.equal(files[0], "ocsf.2026-05-06.jsonl");
      assert.match(files.at(-1)!, /^ocsf\.2026-05-06\.\d+\.jsonl$/);
      const { events } = await readOcsfEvents(dir, { last: 3 });
      assert.deepEqual(events.map((e) => e.message?.split(" ")[0]), ["e11", "e10", "e9"]);
    });
  }
});

Deno.test("OcsfLog deletes the files of days older than keepDays", async () => {
  await withDir(async (dir) => {
    const log = new OcsfLog(dir, { keepDays: 2 });
    for (const d of [0, 1, 2, 3, 4]) {
      await log.append(configEvent("LOADED", `d${d}`, { time: DAY + d * DAY_MS }));
    }
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "denials.2026-05-08.jsonl",
      "denials.2026-05-09.jsonl",
      "denials.2026-05-10.jsonl",
      "ocsf.2026-05-08.jsonl",
      "ocsf.2026-05-09.jsonl",
      "ocsf.2026-05-10.jsonl",
    ]);
    await Deno.writeTextFile(join(dir, "notes.txt"), "kept");
    // The shorthand twin an older version wrote goes with its day.
    await Deno.writeTextFile(join(dir, "tollgate.2026-05-10.log"), "old\n");
    assert.deepEqual(pruneLogFiles(dir, "2026-06-30", { keepDays: 2, budgetBytes: 0 }), {
      aged: 7,
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["notes.txt"]);
  });
});

Deno.test("appendLines() cuts a write that fails halfway back to its last whole line", async () => {
  let content = "old\n";
  const bytes = new TextEncoder().encode("one\ntwo\nthree\n");
  const failing = {
    // Accepts 6 bytes ("one\ntw"), then the disk is full.
    write: (piece: Uint8Array) => {
      if (content.length >= 10) return Promise.reject(new Error("No space left on device"));
      const taken = piece.subarray(0, 6);
      content += new TextDecoder().decode(taken);
      return Promise.resolve(taken.byteLength);
    },
    stat: () => Promise.resolve({ size: content.length }),
    truncate: (length: number) => Promise.resolve(void (content = content.slice(0, length))),
  };
  const outcome = await appendLines(failing, bytes);
  assert.equal(content, "old\none\n");
  assert.equal(outcome.droppedLines, 2);
  assert.match(String(outcome.error), /No space/);
  assert.equal(outcome.torn, undefined);
});

Deno.test("OcsfLog counts dropped events, reports them once, and records the gap after", async () => {
  await withDir(async (dir) => {
    const reports: string[] = [];
    const logDir = join(dir, "logs");
    const log = new OcsfLog(logDir, { onTrouble: (m) => reports.push(m) });
    await Deno.writeTextFile(logDir, "a file where the directory should be");
    for (let i = 0; i < 3; i++) {
      await assert.rejects(log.append(configEvent("LOADED", `lost ${i}`)));
    }
    assert.equal(log.dropped, 3);
    assert.equal(reports.length, 1);
    assert.match(reports[0]!, /audit log: 1 event\(s\) not written .*1 dropped in all/);
    await Deno.remove(logDir);
    await log.append(configEvent("LOADED", "back"));
    const { events } = await readOcsfEvents(logDir, { last: 5 });
    assert.equal(events.length, 2);
    assert.match(events[0]!.message!, /^Audit log writing resumed: 3 event\(s\) were dropped \(/);
    assert.equal(events[1]!.message, "back");
    assert.equal(events[0]?.unmapped?.dropped_events, 3);
  });
});
