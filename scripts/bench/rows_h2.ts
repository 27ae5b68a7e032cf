/**
 * HTTP/2 rows (`--scale`, issue #15): a `node:http2` client (ALPN `h2`, trusting the proxy's
 * CA) through Tollgate's L7 interception, a bulk download, a bulk upload and 64 concurrent
 * streams of small requests over 4 sessions; beside them the same transfer over HTTP/1.1
 * through ssl-bump Squid (Squid 5.7 speaks no HTTP/2 to its clients) and the same h2 transfer
 * straight to the origin (the ceiling).
 *
 * The origin speaks h2 (`h2_origin.ts`), as the public APIs an h2 client meets mostly do: the
 * proxy relays stream to stream (`h2_upstream.ts`). The `tollgate_h1` rows reach the HTTP/1.1
 * upstream instead (`h2_to_h1.ts`); no upload there (a stream's body for an HTTP/1.1 origin
 * is read whole up to the 16 MiB cap, and only the rest past it streams).
 *
 * @module
 */

import type * as http2 from "node:http2";
import { openTunnel } from "./connect.ts";
import { BENCH_HOSTS, type BenchSetup, OK_PATH, upstreamTls } from "./setup.ts";
import {
  brokeMessage,
  BULK_BYTES,
  type Direction,
  measureTransfer,
  type Transfer,
} from "./bulk_transfer.ts";
import { h2BulkStream, openH2Session } from "./h2_client.ts";
import { runH2Load } from "./h2_load.ts";
import { squidStreamsRow, squidTransfer } from "./squid_h2_peer.ts";
import type { ScaleProxies } from "./rows_concurrency.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";

/** Streams at once in the concurrency rows, and the sessions they share. */
export const H2_STREAMS = { streams: 64, sessions: 4 } as const;

/** Who carries the rows' bytes, and to which origin. */
type Via = "direct" | "tollgate" | "tollgate_h1" | "squid";

/**
 * The HTTP/2 rows: download, upload and 64 streams, each direct, through Tollgate and through
 * ssl-bump Squid (plus Tollgate to the HTTP/1.1 origin). `bytes` sizes the transfers (the L7
 * bulk rows' 256 MB unless said).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { h2Rows } from "./rows_h2.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * const squid = { ok: false as const, name: "squid", note: "squid not installed" };
 * const tollgate = { ok: false as const, note: "proxy did not start" };
 * const rows = h2Rows(setup, { tollgate, squid, bump: { ...squid, name: "squid-bump" } });
 * assert.equal(rows.length, 11);
 * assert.equal(rows[0]?.info.id, "scale.h2.direct.download");
 * assert.match(rows[0]?.skipped ?? "", /no HTTP\/2 origin/); // none in this setup
 * ```
 */
export function h2Rows(setup: BenchSetup, proxies: ScaleProxies, bytes = BULK_BYTES): Row[] {
  const vias: Via[] = ["direct", "tollgate", "squid"];
  return [
    ...(["download", "upload"] as const).flatMap((direction) => [
      ...vias.map((via) => bulkRow(setup, proxies, { via, direction, bytes })),
      ...(direction === "download"
        ? [bulkRow(setup, proxies, { via: "tollgate_h1", direction, bytes })]
        : []),
    ]),
    ...(["direct", "tollgate", "tollgate_h1", "squid"] as const).map((via) =>
      streamsRow(setup, proxies, via)
    ),
  ];
}

function label(proxies: ScaleProxies, via: Via): string {
  if (via === "direct") return "HTTP/2 direct";
  if (via === "tollgate") return "HTTP/2 Tollgate L7 → h2 origin";
  if (via === "tollgate_h1") return "HTTP/2 Tollgate L7 → HTTP/1.1 origin";
  const name = proxies.bump.ok ? `${proxies.bump.name} ${proxies.bump.version}` : "squid-bump";
  return `HTTP/1.1 ${name} L7`;
}

/** Why a row cannot run here, or undefined. */
function missing(setup: BenchSetup, proxies: ScaleProxies, via: Via): string | undefined {
  if (via !== "squid" && setup.upstreams.h2Port === undefined) return "no HTTP/2 origin started";
  if (via.startsWith("tollgate") && !proxies.tollgate.ok) return proxies.tollgate.note;
  if (via === "squid" && !proxies.bump.ok) return proxies.bump.note;
  return undefined;
}

/** Opens an h2 session for `via` (direct, or through Tollgate to the h2 or h1 origin). */
function sessionOpener(
  setup: BenchSetup,
  proxies: ScaleProxies,
  via: Via,
): { open: () => Promise<http2.ClientHttp2Session>; authority: string; pid?: number } {
  const port = via === "tollgate_h1" ? setup.upstreams.httpsPort : setup.upstreams.h2Port!;
  const authority = `${BENCH_HOSTS.l7}:${port}`;
  if (via === "direct") {
    return { open: () => openH2Session(port, upstreamTls(setup)), authority };
  }
  const { proxy } = proxies.tollgate as {
    ok: true;
    proxy: { port: number; pid: number; caPem: string };
  };
  const tls = { servername: BENCH_HOSTS.l7, ca: [proxy.caPem] };
  return {
    open: async () => await openH2Session(await openTunnel(proxy.port, authority), tls),
    authority,
    pid: proxy.pid,
  };
}

function bulkRow(
  setup: BenchSetup,
  proxies: ScaleProxies,
  { via, direction, bytes }: { via: Via; direction: Direction; bytes: number },
): Row {
  const mb = Math.round(bytes / 1024 / 1024);
  const info: RowInfo = {
    id: `scale.h2.${via}.${direction}`,
    group: "scale_data",
    label: `${label(proxies, via)}: ${mb} MB ${direction}`,
    unit: "MB/s",
  };
  const skipped = missing(setup, proxies, via);
  if (skipped !== undefined) return { info, skipped };
  const move = via === "squid"
    ? () => squidTransfer(setup, proxies, direction, bytes)
    : () => h2Transfer(sessionOpener(setup, proxies, via), direction, bytes);
  return {
    info,
    measure: async (): Promise<Sample> => {
      const t = await move();
      const extra = { cpuSecPerGb: t.cpuSecPerGb, rssGrowthMb: t.rssGrowthMb };
      return { value: t.mbPerSec, samples: 1, errors: 0, extra };
    },
    describe: (samples) => {
      const notes = via === "squid" ? ["Squid 5.7 speaks no HTTP/2 to clients: HTTP/1.1"] : [];
      if (via === "direct") return notes;
      const cpu = samples.map((s) => s.extra?.cpuSecPerGb ?? NaN).sort((a, b) => a - b);
      const median = cpu[Math.floor(cpu.length / 2)] ?? NaN;
      return [...notes, `${median.toFixed(1)} CPU-s/GB`];
    },
  };
}

async function h2Transfer(
  opener: ReturnType<typeof sessionOpener>,
  direction: Direction,
  bytes: number,
): Promise<Transfer> {
  const session = await opener.open();
  const moved = { bytes: 0 };
  try {
    const { authority } = opener;
    return await measureTransfer(
      opener.pid,
      bytes,
      () => h2BulkStream(session, direction, { authority, bytes, moved }),
    );
  } catch (error) {
    throw new Error(await brokeMessage({}, { direction, bytes }, moved.bytes, error));
  } finally {
    session.destroy();
  }
}

/** 64 streams at once over 4 sessions (64 HTTP/1.1 connections through ssl-bump Squid). */
function streamsRow(setup: BenchSetup, proxies: ScaleProxies, via: Via): Row {
  const { streams, sessions } = H2_STREAMS;
  const per = via === "squid"
    ? `${streams} connections`
    : `${streams} streams on ${sessions} sessions`;
  const info: RowInfo = {
    id: `scale.h2.${via}.c${streams}`,
    group: "scale_data",
    label: `${label(proxies, via)}: small GETs, ${per}`,
  };
  const skipped = missing(setup, proxies, via);
  if (skipped !== undefined) return { info, skipped };
  const { maxRequests, maxMs } = setup.budget.keepAlive;
  const bounds = { maxRequests: maxRequests * 2, maxMs, warmup: streams * 4 };
  if (via === "squid") return squidStreamsRow(setup, proxies, { info, bounds, clients: streams });
  const opener = sessionOpener(setup, proxies, via);
  return {
    info,
    measure: async () => {
      const open = Array.from({ length: sessions }, () => opener.open());
      const all = await Promise.allSettled(open);
      const ready = all.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
      try {
        const failed = all.find((r) => r.status === "rejected");
        if (failed) throw (failed as PromiseRejectedResult).reason;
        const { authority } = opener;
        const spec = { sessions: ready, concurrency: streams, authority, path: OK_PATH };
        return await runH2Load({ ...spec, ...bounds });
      } finally {
        for (const session of ready) session.destroy();
      }
    },
  };
}
