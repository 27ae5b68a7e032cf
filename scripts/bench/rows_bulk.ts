/**
 * Bulk rows (`--scale`, issue #15 item 2): one large download and one large upload through
 * Tollgate's L7 interception and L4 tunnel, beside ssl-bump Squid and Squid, and direct.
 * Each reports MB/s, the proxy's CPU seconds per GB and its RSS growth during the transfer.
 *
 * @module
 */

import { openTunnel, startTls, type TlsOptions } from "./connect.ts";
import { BENCH_HOSTS, type BenchSetup, upstreamTls } from "./setup.ts";
import { findPid } from "./process_figures.ts";
import { BULK_BYTES, type BulkTarget, type Direction, transfer } from "./bulk_transfer.ts";
import type { ScaleProxies } from "./rows_concurrency.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";

type Kind = "direct" | "tollgate.l7" | "tollgate.l4" | "squid.l7" | "squid.l4";

/**
 * Ten rows: direct, Tollgate L7, ssl-bump Squid L7, Tollgate L4 and Squid L4, each down and up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { bulkRows } from "./rows_bulk.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const squid = { ok: false as const, name: "squid", note: "squid not installed" };
 * const tollgate = { ok: false as const, note: "proxy did not start" };
 * const rows = bulkRows(setup, { tollgate, squid, bump: { ...squid, name: "squid-bump" } });
 * assert.equal(rows.length, 10); // direct, Tollgate L7 and L4, Squid L7 and L4; down and up
 * assert.equal(rows[0]?.info.id, "scale.bulk.direct.download");
 * assert.equal(rows[0]?.skipped, undefined); // the direct rows need no proxy
 * ```
 */
export function bulkRows(setup: BenchSetup, proxies: ScaleProxies): Row[] {
  const kinds: Kind[] = ["direct", "tollgate.l7", "squid.l7", "tollgate.l4", "squid.l4"];
  return kinds.flatMap((kind) =>
    (["download", "upload"] as const).map((direction) => bulkRow(setup, proxies, kind, direction))
  );
}

function bulkRow(setup: BenchSetup, proxies: ScaleProxies, kind: Kind, direction: Direction): Row {
  const mb = Math.round(BULK_BYTES / 1024 / 1024);
  const info: RowInfo = {
    id: `scale.bulk.${kind}.${direction}`,
    group: "scale_data",
    label: `${labelOf(proxies, kind)}: ${mb} MB ${direction}`,
    unit: "MB/s",
  };
  const target = connectionFor(setup, proxies, kind);
  if (typeof target === "string") return { info, skipped: target };
  return {
    info,
    measure: async (): Promise<Sample> => {
      const host = `${BENCH_HOSTS.l7}:${setup.upstreams.httpsPort}`;
      const t = await transfer(target, direction, host);
      return {
        value: t.mbPerSec,
        samples: 1,
        errors: 0,
        extra: { cpuSecPerGb: t.cpuSecPerGb, rssGrowthMb: t.rssGrowthMb },
      };
    },
    describe: (samples) => {
      if (target.pid === undefined) return [];
      const done = samples.filter((s) => s.extra !== undefined);
      const failed = samples.length - done.length;
      // A failed repetition is said, not folded into the figures as NaN.
      const lost = failed > 0 ? ` (${failed} of ${samples.length} repetitions failed)` : "";
      if (done.length === 0) return [`no repetition completed${lost}`];
      const cpu = medianExtra(done, "cpuSecPerGb").toFixed(1);
      const rss = medianExtra(done, "rssGrowthMb").toFixed(1);
      return [`${cpu} CPU-s/GB, RSS +${rss} MB${lost}`];
    },
  };
}

function medianExtra(samples: Sample[], key: string): number {
  const v = samples.map((s) => s.extra?.[key] ?? NaN).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)] ?? NaN;
}

function labelOf(proxies: ScaleProxies, kind: Kind): string {
  if (kind === "direct") return "direct TLS";
  const [who, path] = kind.split(".") as ["tollgate" | "squid", "l7" | "l4"];
  const layer = path === "l7" ? "L7 interception" : "L4 tunnel";
  if (who === "tollgate") return `Tollgate ${layer}`;
  const peer = path === "l7" ? proxies.bump : proxies.squid;
  return `${peer.ok ? `${peer.name} ${peer.version}` : peer.name} ${layer}`;
}

/** The {@linkcode BulkTarget} for `kind`, or why it is skipped. */
function connectionFor(setup: BenchSetup, proxies: ScaleProxies, kind: Kind): BulkTarget | string {
  const port = setup.upstreams.httpsPort;
  const direct: TlsOptions = upstreamTls(setup);
  if (kind === "direct") return { open: () => startTls(port, direct) };
  const via = (proxyPort: number, authority: string, tls: TlsOptions) => async () =>
    await startTls(await openTunnel(proxyPort, authority), tls);
  if (kind.startsWith("tollgate")) {
    const start = proxies.tollgate;
    if (!start.ok) return start.note;
    const p = start.proxy;
    return kind === "tollgate.l7"
      ? {
        open: via(p.port, `${BENCH_HOSTS.l7}:${port}`, {
          servername: BENCH_HOSTS.l7,
          ca: [p.caPem],
        }),
        pid: p.pid,
      }
      : {
        open: via(p.port, `${BENCH_HOSTS.l4}:${port}`, upstreamTls(setup, BENCH_HOSTS.l4)),
        pid: p.pid,
      };
  }
  const peer = kind === "squid.l7" ? proxies.bump : proxies.squid;
  if (!peer.ok) return peer.note;
  const [pid, accessLog] = [findPid(peer.port), peer.accessLog];
  return kind === "squid.l7"
    ? {
      open: via(peer.port, `${BENCH_HOSTS.l7}:${port}`, {
        servername: BENCH_HOSTS.l7,
        ca: [proxies.bump.caPem!],
      }),
      pid,
      accessLog,
    }
    : { open: via(peer.port, `127.0.0.1:${port}`, direct), pid, accessLog };
}
