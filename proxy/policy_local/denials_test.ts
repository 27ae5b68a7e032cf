import assert from "node:assert/strict";
import { configEvent, type OcsfEvent, ocsfEventFromDecision, OcsfLog } from "../ocsf/mod.ts";
import type { Decision } from "../policy/mod.ts";
import { l7Denial } from "../../tests/support/mod.ts";
import { BASE, json, ours, withApp } from "./_test_fakes.ts";

const T = Date.UTC(2026, 4, 6, 17, 2, 4);

const l7Deny = l7Denial();
const l4Deny: Decision = {
  verdict: "deny",
  layer: "l4",
  reason: "no matching policy",
  host: "httpbin.org",
  port: 443,
  binary: "/usr/bin/curl",
};

Deno.test("createPolicyLocalApp() GET /v1/denials lists denials newest first", async () => {
  await withApp(async ({ app, logDir }) => {
    const log = new OcsfLog(logDir);
    await log.append(ours(ocsfEventFromDecision(l7Deny, { time: T, pid: 58 })));
    await log.append(ours(ocsfEventFromDecision({ ...l7Deny, verdict: "allow" }, { time: T + 1 })));
    await log.append(ours(configEvent("LOADED", "Policy loaded", { time: T + 2 })));
    await log.append(ours(ocsfEventFromDecision(l4Deny, { time: T + 3, pid: 64 })));
    const body = await json(await app.request(`${BASE}/v1/denials`));
    assert.deepEqual(body, {
      log_available: true,
      denials: [
        {
          time: "2026-05-06T17:02:04.003Z",
          layer: "l4",
          host: "httpbin.org",
          port: 443,
          binary: "/usr/bin/curl",
          reason: "no matching policy",
          line:
            "2026-05-06T17:02:04.003Z OCSF NET:OPEN [MED] DENIED /usr/bin/curl(64) -> httpbin.org:443 " +
            "[policy:- engine:l4] [reason:no matching policy]",
        },
        {
          time: "2026-05-06T17:02:04.000Z",
          layer: "l7",
          host: "api.github.com",
          port: 443,
          method: "PUT",
          path: "/repos/o/r/contents/x.md",
          binary: "/usr/bin/curl",
          policy: "gh_ro",
          reason: "PUT /repos/o/r/contents/x.md not permitted by policy",
          line: "2026-05-06T17:02:04.000Z OCSF HTTP:PUT [MED] DENIED /usr/bin/curl(58) -> PUT " +
            "http://api.github.com:443/repos/o/r/contents/x.md [policy:gh_ro engine:l7] " +
            "[reason:PUT /repos/o/r/contents/x.md not permitted by policy]",
        },
      ],
    });
  });
});

Deno.test("createPolicyLocalApp() GET /v1/denials redacts what a log line may carry", async () => {
  await withApp(async ({ app, logDir }) => {
    // A line written by something else (or an older version): query strings, a raw message,
    // control characters and an oversized path must not reach the agent as they are.
    const hostile = {
      ...ours(ocsfEventFromDecision(l7Deny, { time: T })),
      message: "Authorization: Bearer SECRET-MESSAGE",
      status_detail: "denied /a?token=SECRET1\nNET:OPEN",
      http_request: {
        http_method: "GET",
        url: {
          scheme: "http",
          hostname: "api.github.com",
          path: `/a?key=SECRET2${"/x".repeat(3000)}`,
          port: 443,
        },
      },
    } satisfies OcsfEvent;
    await Deno.writeTextFile(`${logDir}/ocsf.2026-05-06.jsonl`, `${JSON.stringify(hostile)}\n`);
    const text = await (await app.request(`${BASE}/v1/denials?last=5`)).text();
    assert.ok(!/SECRET/.test(text), text.slice(0, 400));
    const [denial] = JSON.parse(text).denials;
    assert.equal(denial.reason, "denied /a?[redacted]\\nNET:OPEN");
    assert.match(denial.path, /^\/a\?\[redacted\]$/);
    assert.ok(new TextEncoder().encode(denial.line).length <= 4096);
    assert.ok(!denial.line.includes("\n"));
  });
});

Deno.test("createPolicyLocalApp() GET /v1/denials without a log says so", async () => {
  await withApp(async ({ app }) => {
    const body = await json(await app.request(`${BASE}/v1/denials?last=5`));
    assert.equal(body.log_available, false);
    assert.deepEqual(body.denials, []);
    assert.equal(typeof body.note, "string");
  });
});
