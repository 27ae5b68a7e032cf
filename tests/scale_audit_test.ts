/**
 * Issue #15 item 7: the audit log's volume on disk, and denials that stay findable however
 * many allowed requests follow them. Correctness only: nothing here asserts speed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Decision } from "../proxy/policy/mod.ts";
import {
  type OcsfEvent,
  ocsfEventFromDecision,
  OcsfLog,
  readOcsfEvents,
} from "../proxy/ocsf/mod.ts";
import { policyLocalHandler } from "../proxy/policy_local/mod.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { runCliIn } from "./support/mod.ts";
import { auditDecision, writeBusyDay } from "./support/busy_day.ts";

const SANDBOX = "sb-3f9a2c81d0e4";
const DAY = Date.UTC(2026, 4, 6, 12, 0, 0);

function allowed(i: number): OcsfEvent {
  return stamped(auditDecision("allow", i), i);
}

function denied(i: number): OcsfEvent {
  return stamped(auditDecision("deny", i), i);
}

function stamped(decision: Decision, i: number): OcsfEvent {
  const meta = { time: DAY + i, pid: 40_000 + i, srcPort: 50_000 + (i % 10_000) };
  const event = ocsfEventFromDecision(decision, { ...meta, scheme: "https" });
  return { ...event, unmapped: { ...event.unmapped, sandbox: SANDBOX } };
}

async function withState(fn: (state: string, logDir: string) => Promise<void>): Promise<void> {
  const state = await Deno.makeTempDir({ prefix: "tollgate_audit_" });
  try {
    await fn(state, join(state, "logs"));
  } finally {
    await Deno.remove(state, { recursive: true });
  }
}

/** Append `count` allowed events after a denial, the way a busy proxy does (batched, kept open). */
function busyDay(logDir: string, count: number, maxFileBytes?: number): Promise<void> {
  return writeBusyDay(logDir, count, { allowed, denied, batch: 2_000, maxFileBytes });
}

function bytesIn(dir: string): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) total += Deno.statSync(join(dir, entry.name)).size;
  return total;
}

async function denialsApi(logDir: string): Promise<{ path?: string; line: string }[]> {
  const snapshot = loadPolicyText("version: 1\n", "team.yaml");
  const app = policyLocalHandler({
    policyName: "team",
    sandboxId: SANDBOX,
    logDir,
    skill: () => Promise.resolve(""),
    policy: { current: () => ({ ...snapshot, revision: 0 }), subscribe: () => () => {} },
  });
  const response = await app.request("http://policy.local/v1/denials?last=5");
  assert.equal(response.status, 200);
  return (await response.json()).denials;
}

async function logsCommand(state: string, ...args: string[]): Promise<string> {
  const { code, out } = await runCliIn(["logs", "--state", state, ...args], state);
  assert.equal(code, 0);
  return out;
}

Deno.test("scale #7: an allowed request costs at most 450 bytes on disk, a denial well under 2 KB", async () => {
  await withState(async (_state, logDir) => {
    const log = new OcsfLog(logDir);
    for (let i = 0; i < 200; i++) await log.append(allowed(i));
    const perAllowed = bytesIn(logDir) / 200;
    for (let i = 0; i < 100; i++) await log.append(denied(i));
    const perDenial = (bytesIn(logDir) - perAllowed * 200) / 100;
    assert.ok(perAllowed <= 450, `${perAllowed} bytes per allowed request`);
    assert.ok(perDenial <= 1_000, `${perDenial} bytes per denial`);
    const names = [...Deno.readDirSync(logDir)].map((e) => e.name);
    assert.ok(!names.some((n) => n.startsWith("tollgate.")), `a shorthand twin: ${names}`);
  });
});

Deno.test("scale #7: a denial stays findable by /v1/denials behind 30,000 allowed requests", async () => {
  await withState(async (_state, logDir) => {
    await busyDay(logDir, 30_000);
    const denials = await denialsApi(logDir);
    assert.deepEqual(denials.map((d) => d.path), ["/repos/octocat/hello-world/contents/f0.md"]);
    assert.match(denials[0]!.line, / OCSF HTTP:PUT \[MED\] DENIED \/usr\/bin\/curl\(40000\) -> /);
  });
});

Deno.test("scale #7: /v1/denials and logs --denied find a denial in a day rotated many times since", async () => {
  await withState(async (state, logDir) => {
    await busyDay(logDir, 3_000, 64 * 1024);
    const jsonl = [...Deno.readDirSync(logDir)].filter((e) => e.name.startsWith("ocsf."));
    assert.ok(jsonl.length > 4, `only ${jsonl.length} segments`);
    assert.equal((await denialsApi(logDir)).length, 1);
    const text = await logsCommand(state, "--denied", "-n", "5");
    assert.deepEqual(text.trimEnd().split("\n"), [
      "2026-05-06T12:00:00.000Z OCSF HTTP:PUT [MED] DENIED /usr/bin/curl(40000) -> PUT " +
      "https://api.github.com/repos/octocat/hello-world/contents/f0.md " +
      "[policy:github_api engine:l7] " +
      "[reason:PUT /repos/octocat/hello-world/contents/f0.md not permitted by policy]",
    ]);
  });
});

Deno.test("scale #7: a day written in the old full form reads back the same, denials included", async () => {
  await withState(async (state, logDir) => {
    await Deno.mkdir(logDir);
    const old = [denied(0), ...Array.from({ length: 50 }, (_, i) => allowed(i + 1))];
    const text = old.map((e) => JSON.stringify(e) + "\n").join("");
    await Deno.writeTextFile(join(logDir, "ocsf.2026-05-06.jsonl"), text);
    const { events } = await readOcsfEvents(logDir, { last: 100 });
    assert.deepEqual(events, old.toReversed());
    assert.equal((await denialsApi(logDir)).length, 1);
    assert.match(await logsCommand(state, "--denied"), /^\S+ OCSF HTTP:PUT \[MED\] DENIED /);
  });
});

Deno.test("scale #7: compact lines read back as the full OCSF events, and logs --json prints them whole", async () => {
  await withState(async (state, logDir) => {
    const written = [denied(0), allowed(1), allowed(2)];
    const log = new OcsfLog(logDir);
    for (const event of written) await log.append(event);
    const { events } = await readOcsfEvents(logDir, { last: 10 });
    assert.deepEqual(events, written.toReversed());
    const lines = (await logsCommand(state, "--json")).trimEnd().split("\n");
    const printed: OcsfEvent[] = lines.map((l) => JSON.parse(l));
    assert.deepEqual(printed, written);
    assert.equal(printed[1]!.type_name, "HTTP Activity: Get");
    assert.deepEqual(printed[1]!.metadata.product, { name: "Tollgate", vendor_name: "Tollgate" });
  });
});
