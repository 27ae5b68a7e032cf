/**
 * The memory row: RSS of a Tollgate proxy child (read from /proc/PID/status, VmRSS) while it
 * holds N open L4 tunnels, each carrying a live TLS session that has served one request.
 *
 * The proxy runs as a child process, not in-process, so the figure is the proxy's own
 * resident memory, without the load generator and upstreams of the benchmark process.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { getRequest, type Opener, tunnelOpener } from "./http_rows.ts";
import type { HttpConn } from "./http_conn.ts";
import { BENCH_HOSTS, type BenchSetup, OK_PATH, upstreamTls } from "./setup.ts";
import { readRssMb, type TollgateProxy } from "./tollgate_proxy.ts";
import type { ProxyStart } from "./rows_tollgate.ts";
import type { Row } from "./row.ts";
import type { Sample } from "./report.ts";
import { median } from "./stats.ts";

const OPEN_BATCH = 20;
const SETTLE_MS = 200;

/**
 * The RSS row for `start` (a dedicated proxy child).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { memoryRow } from "./rows_memory.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const row = memoryRow(setup, { ok: false, note: "proxy did not start" });
 * assert.equal(row.info.label, "Tollgate RSS with 200 open L4 tunnels");
 * assert.equal(row.skipped, "proxy did not start");
 * ```
 */
export function memoryRow(setup: BenchSetup, start: ProxyStart): Row {
  const tunnels = setup.budget.tunnels;
  const info = {
    id: "memory.rss_200_tunnels",
    group: "memory" as const,
    label: `Tollgate RSS with ${tunnels} open L4 tunnels`,
    unit: "MB",
  };
  if (!start.ok) return { info, skipped: start.note };
  return {
    info,
    measure: () => measureRss(setup, start.proxy, tunnels),
    describe: (samples) => {
      const idle = median(samples.flatMap((s) => s.extra?.idleRssMb ?? []));
      const open = Math.min(...samples.map((s) => s.extra?.tunnelsOpen ?? 0));
      return [
        `RSS before opening the tunnels: ${
          idle.toFixed(1)
        } MB (median); ${open} tunnels open at each reading`,
      ];
    },
  };
}

async function measureRss(setup: BenchSetup, proxy: TollgateProxy, count: number): Promise<Sample> {
  const authority = `${BENCH_HOSTS.l4}:${setup.upstreams.httpsPort}`;
  const open = tunnelOpener(proxy.port, authority, upstreamTls(setup, BENCH_HOSTS.l4));
  const request = Buffer.from(getRequest(authority, OK_PATH));
  const idleMb = await readRssMb(proxy.pid);
  const conns: HttpConn[] = [];
  let errors = 0;
  let firstError: string | undefined;
  try {
    for (let i = 0; i < count; i += OPEN_BATCH) {
      const batch = await Promise.allSettled(
        Array.from({ length: Math.min(OPEN_BATCH, count - i) }, () => openAndUse(open, request)),
      );
      for (const result of batch) {
        if (result.status === "fulfilled") conns.push(result.value);
        else {
          errors++;
          firstError ??= String(result.reason?.message ?? result.reason);
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const rssMb = await readRssMb(proxy.pid);
    const alive = conns.filter((c) => !c.dead).length;
    return {
      value: rssMb,
      samples: alive,
      errors: errors + (conns.length - alive),
      ...(firstError ? { firstError } : {}),
      extra: { idleRssMb: idleMb, tunnelsOpen: alive },
    };
  } finally {
    for (const conn of conns) conn.close();
  }
}

async function openAndUse(open: Opener, request: Buffer): Promise<HttpConn> {
  const conn = await open();
  try {
    const response = await conn.request(request);
    if (response.status !== 200) throw new Error(`Unexpected status ${response.status}`);
    return conn;
  } catch (error) {
    conn.close();
    throw error;
  }
}
