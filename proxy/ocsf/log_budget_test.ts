import assert from "node:assert/strict";
import { join } from "node:path";
import { l7Denial } from "../../tests/support/mod.ts";
import {
  configEvent,
  ocsfEventFromDecision,
  OcsfLog,
  parseOcsfLine,
  readOcsfEvents,
} from "./mod.ts";
import type { OcsfEvent } from "./types.ts";

const DAY = Date.UTC(2026, 4, 6, 12, 0, 0);
/** The CONFIG event a deletion writes is dated now: keep the test's old day from age pruning. */
const KEEP = 36_500;
/** Each allowed event's line: about 600 bytes. */
const PAD = "x".repeat(500);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate_budget_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function allowed(i: number): OcsfEvent {
  return configEvent("LOADED", `allowed ${i} ${PAD}`, { time: DAY + i });
}

function denial(i: number): OcsfEvent {
  return ocsfEventFromDecision({ ...l7Denial(), path: `/denied/${i}` }, { time: DAY + i });
}

/** Total bytes of the directory's log files. */
function dirBytes(dir: string): number {
  return [...Deno.readDirSync(dir)].reduce(
    (sum, e) => sum + Deno.statSync(join(dir, e.name)).size,
    0,
  );
}

function names(dir: string, prefix: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith(prefix)).sort();
}

/** 200 events, a denial every 20th, through the real writer with 4 KB segments. */
async function writeDay(dir: string, budgetBytes: number, keepOpen: boolean): Promise<string[]> {
  const reports: string[] = [];
  const log = new OcsfLog(dir, {
    keepDays: KEEP,
    keepOpen,
    maxFileBytes: 4_000,
    budgetBytes,
    onTrouble: (m) => reports.push(m),
  });
  for (let i = 0; i < 200; i++) await log.append(i % 20 === 0 ? denial(i) : allowed(i));
  await log.close();
  return reports;
}

for (const keepOpen of [false, true]) {
  Deno.test(`audit budget (keepOpen ${keepOpen}): the oldest allowed segments go, every denial stays findable`, async () => {
    await withDir(async (dir) => {
      const reports = await writeDay(dir, 100_000, keepOpen);
      // The budget plus the segment being written (and its denials file) at most.
      assert.ok(dirBytes(dir) <= 100_000 + 4_000 + 1_500, `${dirBytes(dir)} bytes kept`);
      const denialsFiles = names(dir, "denials.");
      assert.ok(names(dir, "ocsf.").length < denialsFiles.length, "day files were deleted");
      assert.ok(denialsFiles.includes("denials.2026-05-06.jsonl"), "the first denials file stays");
      const { events } = await readOcsfEvents(dir, { last: 100, denied: true });
      assert.deepEqual(
        events.map((e) => e.http_request?.url?.path),
        Array.from({ length: 10 }, (_, k) => `/denied/${180 - 20 * k}`),
      );
      const records = await pruneRecords(dir);
      assert.ok(records.length > 0, "a CONFIG event records the deletion");
      const budget = records[0]!.unmapped!.audit_budget as Record<string, unknown>;
      assert.equal(budget.budget_bytes, 100_000);
      assert.deepEqual(budget.deleted_files, ["ocsf.2026-05-06.jsonl"]);
      assert.equal(budget.deleted_denial_files, 0);
      assert.ok((budget.deleted_bytes as number) >= 3_000);
      assert.equal(budget.start_time, DAY);
      assert.match(
        records[0]!.message!,
        /deleted 1 file\(s\), \d+ bytes, events from 2026-05-06T12:00:00\.000Z to /,
      );
      assert.equal(records[0]!.severity, "Medium");
      // The records name exactly the day files gone, none of them made again under its name.
      const deleted = records.flatMap((e) =>
        (e.unmapped!.audit_budget as { deleted_files: string[] }).deleted_files
      );
      const gone = denialsFiles.map((n) => n.replace(/^denials/, "ocsf"))
        .filter((n) => !names(dir, "ocsf.").includes(n));
      assert.deepEqual(deleted.sort(), gone.sort());
      // One stderr line for many deletions in 10 s.
      assert.equal(reports.length, 1, reports.join("\n"));
      assert.match(
        reports[0]!,
        /^audit log: over its 0\.1 MB budget, deleted the oldest 1 file\(s\).*denials kept\); raise --log-budget-mb/,
      );
    });
  });
}

/** The budget's records in every file of the directory (day and denials files), in order. */
async function pruneRecords(dir: string): Promise<OcsfEvent[]> {
  const lines = new Set<string>();
  for (const { name } of Deno.readDirSync(dir)) {
    for (const line of (await Deno.readTextFile(join(dir, name))).split("\n")) {
      if (line.includes('"config_state":"PRUNED"')) lines.add(line);
    }
  }
  return [...lines].map((line) => parseOcsfLine(line)!).sort((a, b) => a.time - b.time);
}

Deno.test("audit budget: 0 deletes nothing", async () => {
  await withDir(async (dir) => {
    assert.deepEqual(await writeDay(dir, 0, true), []);
    assert.ok(dirBytes(dir) > 100_000, `${dirBytes(dir)} bytes`);
    assert.ok(names(dir, "ocsf.").length > 25);
    assert.equal(names(dir, "ocsf.").length, names(dir, "denials.").length);
  });
});

Deno.test("audit budget: denials files go, oldest first, only when denials alone exceed it", async () => {
  await withDir(async (dir) => {
    const reports: string[] = [];
    const log = new OcsfLog(dir, {
      keepDays: KEEP,
      maxFileBytes: 3_000,
      budgetBytes: 8_000,
      onTrouble: (m) => reports.push(m),
    });
    for (let i = 0; i < 80; i++) await log.append(denial(i));
    await log.close();
    assert.ok(dirBytes(dir) <= 8_000 + 3_000 * 2 + 1_500, `${dirBytes(dir)} bytes kept`);
    const { events } = await readOcsfEvents(dir, { last: 100, denied: true });
    assert.equal(events[0]?.http_request?.url?.path, "/denied/79", "the newest denials stay");
    assert.ok(events.length < 80, "old denials went");
    assert.equal(reports.length, 1, "one stderr line in 10 s");
    const records = await pruneRecords(dir);
    const denialRecords = records.filter((e) => / \(\d+ denials file\(s\)\)$/.test(e.message!));
    assert.ok(denialRecords.length > 0, "a record says denials files went");
    // Day files went first: of the old day, only the segment being written keeps one.
    const days = names(dir, "ocsf.2026-05-06");
    const kept = names(dir, "denials.2026-05-06");
    assert.deepEqual(days, [kept.at(-1)!.replace(/^denials/, "ocsf")]);
    assert.ok(kept.length >= 2, kept.join());
  });
});

Deno.test("audit budget: two writers of one directory never delete each other's open segment", async () => {
  await withDir(async (dir) => {
    // The first writer holds its segment open; the second, with a tiny budget, rotates past it.
    const first = new OcsfLog(dir, { keepDays: KEEP, keepOpen: true, maxFileBytes: 1_000_000 });
    await first.append(allowed(0));
    const held = names(dir, "ocsf.")[0]!;
    const second = new OcsfLog(dir, {
      keepDays: KEEP,
      keepOpen: true,
      maxFileBytes: 2_000,
      budgetBytes: 1,
    });
    for (let i = 1; i < 60; i++) await second.append(allowed(i));
    await second.close();
    assert.ok(names(dir, "ocsf.").includes(held), `${held} was deleted under its writer`);
    // Its writer goes on writing to a file that is still there.
    await first.append(allowed(1_000));
    await first.close();
    const text = await Deno.readTextFile(join(dir, held));
    assert.match(text, /allowed 1000 /);
    // Closed, it is anyone's to delete.
    const third = new OcsfLog(dir, { keepDays: KEEP, maxFileBytes: 2_000, budgetBytes: 1 });
    for (let i = 0; i < 10; i++) await third.append(allowed(2_000 + i));
    assert.ok(!names(dir, "ocsf.").includes(held));
  });
});
