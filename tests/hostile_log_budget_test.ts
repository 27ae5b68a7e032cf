/**
 * The audit log's total on disk. The pace (`--log-rate-kb`) bounds a rate, not a total: a
 * hostile agent keeping its proxy at the pace writes ~86 GB a day, and over the 14 days of
 * retention fills the disk the log lives on, blinding auditing for every sandbox. Now the
 * log directory has a byte budget (`--log-budget-mb`): past it the oldest allowed-event
 * segments go, their denials kept, and a CONFIG event records each deletion. Here a client
 * drives allowed and denied requests through a real proxy with a tiny budget: the directory
 * stays under the budget plus the segment being written, and every denial stays findable
 * through `/v1/denials` and `logs --denied`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startProxyService } from "../proxy/mod.ts";
import { DEFAULT_AUDIT_PACE } from "../proxy/rate/mod.ts";
import { rawRequest, runCliIn } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  uploads:
    endpoints:
      - host: plain.example.com
        port: 80
        protocol: rest
        rules: [{ allow: { method: POST, path: "/upload/**" } }]
    binaries: [{ path: "/**" }]
`;
const SEGMENT = 16 * 1024;
const BUDGET = 96 * 1024;
const REQUESTS = 1_500;
/** One request in this many is denied: 60 denials, some 30 KB, well inside the budget. */
const DENY_EVERY = 25;

const allowed = (i: number) =>
  `POST http://plain.example.com/upload/${i} HTTP/1.1\r\nHost: plain.example.com\r\n` +
  "Content-Length: 0\r\n\r\n";
const denied = (i: number) =>
  `GET http://plain.example.com/secret/${i} HTTP/1.1\r\nHost: plain.example.com\r\n\r\n`;

/** Bytes of every file in `dir`. */
function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of Deno.readDirSync(dir)) {
    try {
      total += Deno.statSync(join(dir, entry.name)).size;
    } catch {
      // Deleted by the budget between listing and stat.
    }
  }
  return total;
}

Deno.test("hostile log budget: requests driven at the pace keep the log directory under its budget, every denial findable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-budget-" });
  await using origin = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("ok"),
  );
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "demo.yaml"), POLICY);
  const reports: string[] = [];
  const state = join(dir, "state");
  const logDir = join(state, "logs");
  const service = await startProxyService({
    policy: "demo",
    policiesDir: join(dir, "policies"),
    stateDir: state,
    resolve: [`plain.example.com:80:127.0.0.1:${origin.addr.port}`],
    logMaxBytes: SEGMENT,
    logBudgetBytes: BUDGET,
    auditPace: DEFAULT_AUDIT_PACE,
    report: (message) => reports.push(message),
  });
  let most = 0;
  const started = performance.now();
  try {
    for (let i = 0; i < REQUESTS; i += 10) {
      const batch = Array.from({ length: 10 }, (_, k) => i + k);
      const answers = await Promise.all(
        batch.map((n) => rawRequest(service.port, n % DENY_EVERY === 0 ? denied(n) : allowed(n))),
      );
      answers.forEach((a, k) => assert.equal(a.status, batch[k]! % DENY_EVERY ? 200 : 403));
      most = Math.max(most, dirBytes(logDir));
    }
    const answer = await rawRequest(
      service.port,
      "GET http://policy.local/v1/denials?last=100 HTTP/1.1\r\nHost: policy.local\r\n\r\n",
    );
    const paths = JSON.parse(answer.body).denials.map((d: { path: string }) => d.path);
    const expected = Array.from({ length: REQUESTS / DENY_EVERY }, (_, k) => k * DENY_EVERY)
      .reverse().map((n) => `/secret/${n}`);
    assert.deepEqual(paths, expected, "every denial stays findable at /v1/denials");
  } finally {
    await service.close();
  }
  try {
    // Without the budget the directory ends at some 1.1 MB. With it, no more than the budget
    // plus the segment being written: its size limit, one batch past it (10 requests in flight
    // here, under 4 KB), its denials file and the deletion's record (measured: 118-119 KB).
    assert.ok(most <= BUDGET + SEGMENT + 12 * 1024, `${most} bytes in the log directory`);
    const { code, out } = await runCliIn(["logs", "--state", state, "--denied", "-n", "100"], dir);
    assert.equal(code, 0);
    assert.equal(out.trimEnd().split("\n").length, REQUESTS / DENY_EVERY, "logs --denied");
    const records = Deno.readDirSync(logDir).toArray().flatMap((e) =>
      Deno.readTextFileSync(join(logDir, e.name)).split("\n")
    ).filter((line) => line.includes('"config_state":"PRUNED"'));
    assert.ok(records.length > 0, "a CONFIG event records what the budget deleted");
    // One stderr line per 10 s at most, however many deletions.
    const lines = reports.filter((r) => r.includes("over its")).length;
    const most10s = Math.ceil((performance.now() - started) / 10_000);
    assert.ok(lines >= 1 && lines <= most10s, `${lines} lines: ${reports.join("\n")}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
