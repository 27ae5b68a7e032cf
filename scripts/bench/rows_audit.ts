/**
 * The `--scale` rows of issue #15 item 7, the audit log: bytes on disk per allowed request,
 * and a denial looked up by `/v1/denials` and `tollgate logs --denied` behind a busy day of
 * 1,000,000 allowed requests (written once, in the set-up, as a proxy writes them).
 *
 * @module
 */

import { join } from "node:path";
import { type CliContext, runCli } from "../../cli/mod.ts";
import type { Decision } from "../../proxy/policy/mod.ts";
import { loadPolicyText } from "../../proxy/policy/mod.ts";
import { type OcsfEvent, ocsfEventFromDecision, OcsfLog } from "../../proxy/ocsf/mod.ts";
import { policyLocalHandler } from "../../proxy/policy_local/mod.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { summarize } from "./stats.ts";
import { auditDecision, writeBusyDay } from "../../tests/support/busy_day.ts";

/** Allowed requests logged after the denial that the lookup rows must find. */
export const AUDIT_DAY = 1_000_000;
const SANDBOX = "sb-bench0a1b2c3d";
const DAY = Date.UTC(2026, 4, 6, 0, 0, 0);
const LOOKUPS = 5;

/**
 * Build the audit rows, writing their logs under `setup.dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { auditRows } from "./rows_audit.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir,
 * };
 * // Only the bytes row: the busy day (1,000,000 events) is written when its rows are wanted.
 * const rows = await auditRows(setup, () => false);
 * assert.deepEqual(rows.map((row) => row.info.id), ["scale.audit_bytes_allowed"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function auditRows(
  setup: BenchSetup,
  wanted: (idPrefix: string) => boolean,
  allowedCount = AUDIT_DAY,
): Promise<Row[]> {
  const rows = [bytesRow(join(setup.dir, "audit-bytes"))];
  if (!wanted("scale.denials") && !wanted("scale.logs_denied")) return rows;
  const state = join(setup.dir, "audit-day");
  const logDir = join(state, "logs");
  await busyDay(logDir, allowedCount);
  const api = denialsApi(logDir);
  rows.push(
    lookupRow("scale.denials_lookup_1m", "/v1/denials finds a denial behind 1 M allowed", api),
    lookupRow(
      "scale.logs_denied_1m",
      "logs --denied finds a denial behind 1 M allowed",
      () => logsDenied(state),
    ),
  );
  return rows;
}

function allowed(i: number): OcsfEvent {
  return stamped(auditDecision("allow", i % 100_000), i);
}

function denied(i: number): OcsfEvent {
  return stamped(auditDecision("deny", i), i);
}

function stamped(decision: Decision, i: number): OcsfEvent {
  const meta = { time: DAY + Math.floor(i / 20), pid: 40_000 + (i % 20_000), srcPort: 50_000 };
  const event = ocsfEventFromDecision(decision, { ...meta, scheme: "https" });
  return { ...event, unmapped: { ...event.unmapped, sandbox: SANDBOX } };
}

/** One denial, then `count` allowed requests, written as a busy proxy writes them. */
function busyDay(logDir: string, count: number): Promise<void> {
  return writeBusyDay(logDir, count, { allowed, denied, batch: 10_000 });
}

/** Bytes of every file of the log directory per allowed L7 request (a denial per 100 aside). */
function bytesRow(dir: string): Row {
  const info: RowInfo = {
    id: "scale.audit_bytes_allowed",
    group: "scale",
    label: "audit log on disk per allowed L7 request",
    unit: "B",
    per: "request",
  };
  let round = 0;
  return {
    info,
    measure: async (): Promise<Sample> => {
      const logDir = join(dir, String(round++));
      const log = new OcsfLog(logDir);
      for (let i = 0; i < 1_000; i++) await log.append(allowed(i));
      const perAllowed = bytesIn(logDir) / 1_000;
      for (let i = 0; i < 100; i++) await log.append(denied(i));
      const perDenial = (bytesIn(logDir) - perAllowed * 1_000) / 100;
      await Deno.remove(logDir, { recursive: true });
      return { value: perAllowed, samples: 1, errors: 0, extra: { perDenialBytes: perDenial } };
    },
    describe: (samples) => [
      `a denial writes ${
        Math.max(...samples.map((s) => s.extra?.perDenialBytes ?? 0)).toFixed(0)
      } B (its line in the day file and in the denials file)`,
    ],
  };
}

function bytesIn(dir: string): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) total += Deno.statSync(join(dir, entry.name)).size;
  return total;
}

/** A row timing `find()`, which throws unless it found the denial. */
function lookupRow(id: string, label: string, find: () => Promise<void>): Row {
  const info: RowInfo = { id, group: "scale", label, per: "lookup" };
  return {
    info,
    measure: async (): Promise<Sample> => {
      const latencies: number[] = [];
      const start = performance.now();
      for (let i = 0; i < LOOKUPS; i++) {
        const t0 = performance.now();
        await find();
        latencies.push(performance.now() - t0);
      }
      return { ...summarize(latencies, performance.now() - start), errors: 0 };
    },
  };
}

function denialsApi(logDir: string): () => Promise<void> {
  const snapshot = loadPolicyText("version: 1\n", "bench.yaml");
  const app = policyLocalHandler({
    policyName: "bench",
    sandboxId: SANDBOX,
    logDir,
    skill: () => Promise.resolve(""),
    policy: { current: () => ({ ...snapshot, revision: 0 }), subscribe: () => () => {} },
  });
  return async () => {
    const body = await (await app.request("http://policy.local/v1/denials?last=5")).json();
    if (body.denials?.length !== 1) throw new Error("/v1/denials did not find the denial");
  };
}

async function logsDenied(state: string): Promise<void> {
  let out = "";
  const ctx: CliContext = {
    cwd: state,
    env: {},
    out: (t) => (out += t),
    err: () => {},
    isTTY: false,
    signal: new AbortController().signal,
    setExitCode: () => {},
  };
  await runCli(["logs", "--state", state, "--denied", "-n", "5"], ctx);
  if (!out.includes(" DENIED ")) throw new Error("logs --denied did not find the denial");
}
