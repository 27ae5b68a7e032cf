/**
 * The targets of issue #15 (performance at scale), judging the `--scale` rows against their
 * peers' rows (pure).
 *
 * @module
 */

import type { RowResult, Target } from "./report.ts";
import { formatMicros } from "./format.ts";

type Outcome = { met: boolean; measured: string } | undefined;

/** Median of one `extra` figure over a row's repetitions. */
function extraOf(row: RowResult | undefined, key: string): number | undefined {
  const values = (row?.repetitions ?? []).flatMap((s) => s.extra?.[key] ?? []).sort((a, b) =>
    a - b
  );
  return values.length === 0 ? undefined : values[Math.floor(values.length / 2)];
}

function atLeastPeer(row: RowResult, peer: RowResult | undefined): Outcome {
  if (row.reqPerSec === undefined || !peer?.reqPerSec) return undefined;
  const ratio = row.reqPerSec / peer.reqPerSec;
  return { met: ratio >= 1, measured: `${ratio.toFixed(2)}× ${peer.label.split(":")[0]}` };
}

const concurrency: Target[] = ["forward", "l4", "l7"].flatMap((path) =>
  [64, 256].map((clients): Target => ({
    rowId: `scale.tollgate.${path}.c${clients}`,
    text: path === "l7" ? "req/s ≥ 1.0× ssl-bump Squid" : "req/s ≥ 1.0× Squid",
    check: (row, rows) => atLeastPeer(row, rows.get(`scale.squid.${path}.c${clients}`)),
  }))
);

const bulkL7: Target[] = (["download", "upload"] as const).map((direction): Target => ({
  rowId: `scale.bulk.tollgate.l7.${direction}`,
  text: "MB/s ≥ 1.0× ssl-bump Squid, ≤ 7 CPU-s/GB, RSS +≤ 32 MB",
  check: (row, rows) => {
    const peer = rows.get(`scale.bulk.squid.l7.${direction}`);
    const cpu = extraOf(row, "cpuSecPerGb");
    const rss = extraOf(row, "rssGrowthMb");
    if (row.value === undefined || !peer?.value || cpu === undefined || rss === undefined) {
      return undefined;
    }
    const ratio = row.value / peer.value;
    return {
      met: ratio >= 1 && cpu <= 7 && rss <= 32,
      measured: `${ratio.toFixed(2)}×, ${cpu.toFixed(1)} CPU-s/GB, +${rss.toFixed(1)} MB`,
    };
  },
}));

// HTTP/2 through interception (h2 client; h2 origin, or the HTTP/1.1 one for tollgate_h1)
// against the same bytes over HTTP/1.1 through ssl-bump Squid, which speaks no h2 to clients.
const h2Bulk: Target[] = [
  ["tollgate", "download"],
  ["tollgate", "upload"],
  ["tollgate_h1", "download"],
].map(([via, direction]): Target => ({
  rowId: `scale.h2.${via}.${direction}`,
  text: "MB/s ≥ 1.0× ssl-bump Squid's HTTP/1.1, ≤ 7 CPU-s/GB, RSS +≤ 32 MB",
  check: (row, rows) => {
    const peer = rows.get(`scale.h2.squid.${direction}`);
    const cpu = extraOf(row, "cpuSecPerGb");
    const rss = extraOf(row, "rssGrowthMb");
    if (row.value === undefined || !peer?.value || cpu === undefined || rss === undefined) {
      return undefined;
    }
    const ratio = row.value / peer.value;
    return {
      met: ratio >= 1 && cpu <= 7 && rss <= 32,
      measured: `${ratio.toFixed(2)}×, ${cpu.toFixed(1)} CPU-s/GB, +${rss.toFixed(1)} MB`,
    };
  },
}));

const h2Streams: Target[] = ["tollgate", "tollgate_h1"].map((via): Target => ({
  rowId: `scale.h2.${via}.c64`,
  text: "req/s ≥ 1.0× ssl-bump Squid's 64 HTTP/1.1 connections",
  check: (row, rows) => atLeastPeer(row, rows.get("scale.h2.squid.c64")),
}));

const bulkL4: Target[] = (["download", "upload"] as const).map((direction): Target => ({
  rowId: `scale.bulk.tollgate.l4.${direction}`,
  text: "CPU-s/GB ≤ 1.5× Squid's, RSS +≤ 32 MB",
  check: (row, rows) => {
    const cpu = extraOf(row, "cpuSecPerGb");
    const peerCpu = extraOf(rows.get(`scale.bulk.squid.l4.${direction}`), "cpuSecPerGb");
    const rss = extraOf(row, "rssGrowthMb");
    if (cpu === undefined || !peerCpu || rss === undefined) return undefined;
    const ratio = cpu / peerCpu;
    return {
      met: ratio <= 1.5 && rss <= 32,
      measured: `${ratio.toFixed(2)}× Squid's CPU, +${rss.toFixed(1)} MB`,
    };
  },
}));

// In the sandbox's tree the lookup itself must be fast (p99 ≤ 1 ms, the target, met by
// searching only what the runner started). Host-wide, every process's descriptors must be read to
// see every holder of a socket (no kernel index maps a socket to its holders, and #12 item 5
// needs all of them), so the lookup grows with the host; what is promised there is the other half
// of the target: no other client waits for it (the scan runs in a Worker).
const identity: Target[] = [
  {
    rowId: "scale.identity.sandbox_tree",
    text: "p99 ≤ 1 ms, event loop never stalled > 25 ms",
    check: (row) =>
      row.p99Us === undefined || row.value === undefined ? undefined : {
        met: row.p99Us <= 1000 && row.value <= 25,
        measured: `p99 ${formatMicros(row.p99Us)}, worst lag ${row.value.toFixed(0)} ms`,
      },
  },
  {
    rowId: "scale.identity.host_wide",
    text: "event loop never stalled > 25 ms (the lookup reads every process)",
    check: (row) =>
      row.p99Us === undefined || row.value === undefined ? undefined : {
        met: row.value <= 25,
        measured: `worst lag ${row.value.toFixed(0)} ms (lookup p99 ${formatMicros(row.p99Us)})`,
      },
  },
];

/** Every target of the data-plane scale rows (issue #15 items 1-3). */
export const DATA_PLANE_TARGETS: readonly Target[] = [
  ...concurrency,
  {
    rowId: "scale.tollgate.rss_c256",
    text: "RSS ≤ 100 MB",
    check: (row) =>
      row.value === undefined
        ? undefined
        : { met: row.value <= 100, measured: `${row.value.toFixed(1)} MB` },
  },
  ...bulkL7,
  ...bulkL4,
  ...h2Bulk,
  ...h2Streams,
  ...identity,
];
