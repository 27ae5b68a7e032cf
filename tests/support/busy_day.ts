/**
 * A day of audit events as a busy proxy writes them: one denied L7 request, then many allowed
 * ones, appended through `OcsfLog` in batches with the log kept open. Shared by the audit
 * tests (#15 item 7) and the bench's audit rows, which stamp events their own way (the bench
 * with realistic times and pids, since bytes on disk are what it measures).
 *
 * @module
 */

import type { Decision } from "../../proxy/policy/mod.ts";
import { type OcsfEvent, OcsfLog } from "../../proxy/ocsf/mod.ts";

/**
 * The L7 decision of the `n`th request of the day: an allowed GET of a pull request, or a
 * denied PUT of a file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { auditDecision } from "./busy_day.ts";
 * assert.equal(auditDecision("allow", 7).path, "/repos/octocat/hello-world/pulls/1007");
 * assert.equal(auditDecision("deny", 7).method, "PUT");
 * ```
 */
export function auditDecision(verdict: "allow" | "deny", n: number): Decision {
  const common = { layer: "l7", policy: "github_api", host: "api.github.com", port: 443 } as const;
  if (verdict === "allow") {
    return {
      ...common,
      verdict,
      reason: "allowed by policy 'github_api'",
      method: "GET",
      path: `/repos/octocat/hello-world/pulls/${1000 + n}`,
      binary: "/usr/bin/curl",
    };
  }
  const path = `/repos/octocat/hello-world/contents/f${n}.md`;
  return {
    ...common,
    verdict,
    reason: `PUT ${path} not permitted by policy`,
    method: "PUT",
    path,
    binary: "/usr/bin/curl",
  };
}

/** What {@linkcode writeBusyDay} writes and how. */
export interface BusyDay {
  /** The `i`th allowed event (1-based). */
  allowed(i: number): OcsfEvent;
  /** The `i`th denied event (the day starts with `denied(0)`). */
  denied(i: number): OcsfEvent;
  /** Appends in flight at once. */
  batch: number;
  /** Rotate the day file past this size (OcsfLog's `maxFileBytes`). */
  maxFileBytes?: number;
}

/**
 * Write one denial, then `count` allowed events, into `logDir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ocsfEventFromDecision, readOcsfEvents } from "../../proxy/ocsf/mod.ts";
 * import { auditDecision, writeBusyDay } from "./busy_day.ts";
 *
 * const logDir = await Deno.makeTempDir();
 * const allowed = (i: number) => ocsfEventFromDecision(auditDecision("allow", i));
 * const denied = (i: number) => ocsfEventFromDecision(auditDecision("deny", i));
 * await writeBusyDay(logDir, 30, { allowed, denied, batch: 10 });
 * assert.equal((await readOcsfEvents(logDir, { last: 100 })).events.length, 31);
 * await Deno.remove(logDir, { recursive: true });
 * ```
 */
export async function writeBusyDay(logDir: string, count: number, day: BusyDay): Promise<void> {
  const log = new OcsfLog(logDir, { keepOpen: true, batchMs: 20, maxFileBytes: day.maxFileBytes });
  try {
    await log.append(day.denied(0));
    for (let start = 1; start <= count; start += day.batch) {
      const end = Math.min(count + 1, start + day.batch);
      await Promise.all(
        Array.from({ length: end - start }, (_, k) => log.append(day.allowed(start + k))),
      );
    }
  } finally {
    await log.close();
  }
}
