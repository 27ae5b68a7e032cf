/**
 * Memory at scale (`--scale`, issue #15 item 1): the peak RSS of Tollgate, of ssl-bump Squid and
 * of the intercepting floor relay (`floor_relay.ts`: what `node:tls` interception alone takes in
 * this Deno) under 256 L7 clients at once, each on a proxy started for the repetition and
 * stopped after it.
 * Not on the long-lived proxies of the other rows: RSS seldom goes down (glibc keeps freed
 * memory, V8 keeps the spaces it grew), so there a row read the high-water mark of every row
 * before it, the 256 MB bulk transfers included (328 MB), not the memory that 256 clients take.
 *
 * @module
 */

import { runLoad } from "./load_generator.ts";
import type { RowInfo, Sample } from "./report.ts";
import type { Row } from "./row.ts";
import { scaleLoadSpec, type ScaleProxies } from "./rows_concurrency.ts";
import type { BenchSetup } from "./setup.ts";
import { findPid, readMallocHeapMb, readResidentMb, type ResidentMb } from "./process_figures.ts";

/** A proxy started for one repetition: where it listens, its processes, how to stop it. */
interface Fresh {
  port: number;
  caPem: string;
  pids: () => number[];
  stop: () => Promise<void>;
}

/**
 * The RSS rows: Tollgate's (with its target), ssl-bump Squid's beside it (its main process and
 * its certificate helpers) and the floor relay's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { rssRows } from "./rows_rss.ts";
 *
 * const setup = { budget: budgetFor(true) } as BenchSetup;
 * const squid = { ok: false as const, name: "squid", note: "squid not installed" };
 * const tollgate = { ok: false as const, note: "proxy did not start" };
 * const rows = rssRows(setup, { tollgate, squid, bump: { ...squid, name: "squid-bump" } });
 * const ids = rows.map((r) => r.info.id);
 * assert.deepEqual(ids, ["scale.tollgate.rss_c256", "scale.squid.rss_c256", "scale.floor.rss_c256"]);
 * ```
 */
export function rssRows(setup: BenchSetup, proxies: ScaleProxies): Row[] {
  const tollgate = async (): Promise<Fresh> => {
    const started = await (proxies.freshTollgate?.() ?? Promise.resolve(proxies.tollgate));
    if (!started.ok) throw new Error(started.note);
    const { port, caPem, pid } = started.proxy;
    const stop = started === proxies.tollgate ? () => Promise.resolve() : started.proxy.stop;
    return { port, caPem, pids: () => [pid], stop };
  };
  const squid = async (): Promise<Fresh> => {
    const started = await (proxies.freshBump?.() ?? Promise.resolve(proxies.bump));
    if (!started.ok) throw new Error(started.note);
    const pid = findPid(started.port);
    if (pid === undefined) throw new Error(`No process listens on port ${started.port}`);
    const stop = started === proxies.bump ? () => Promise.resolve() : () => started.stop();
    return {
      port: started.port,
      caPem: started.caPem!,
      pids: () => [pid, ...childrenOf(pid)],
      stop,
    };
  };
  const floor = async (): Promise<Fresh> => {
    const started = await proxies.freshFloorTls!();
    if (!started.ok) throw new Error(started.note);
    const pid = findPid(started.port);
    if (pid === undefined) throw new Error(`No process listens on port ${started.port}`);
    // Its leaf is the upstream's own, signed by the bench's test CA.
    return { port: started.port, caPem: setup.certs.caPem, pids: () => [pid], stop: started.stop };
  };
  const bump = proxies.bump;
  return [
    rssRow(setup, "tollgate", "Tollgate", proxies.tollgate.ok ? tollgate : proxies.tollgate.note),
    rssRow(
      setup,
      "squid",
      bump.ok ? `${bump.name} ${bump.version}` : bump.name,
      bump.ok ? squid : bump.note,
    ),
    rssRow(setup, "floor", "floor relay (node:tls)", proxies.freshFloorTls ? floor : "not started"),
  ];
}

function rssRow(
  setup: BenchSetup,
  id: "tollgate" | "squid" | "floor",
  name: string,
  start: (() => Promise<Fresh>) | string,
): Row {
  const info: RowInfo = {
    id: `scale.${id}.rss_c256`,
    group: "scale_data",
    label: `${name} RSS, 256 L7 clients at once`,
    unit: "MB",
  };
  if (typeof start === "string") return { info, skipped: start };
  return {
    info,
    measure: async (): Promise<Sample> => {
      const fresh = await start();
      try {
        return await peakRss(setup, fresh);
      } finally {
        await fresh.stop();
      }
    },
    describe: (samples) => {
      const median = (key: string) => {
        const values = samples.flatMap((s) => s.extra?.[key] ?? []).sort((a, b) => a - b);
        return values[Math.floor(values.length / 2)]?.toFixed(1);
      };
      const idle = median("idleRssMb");
      const anon = median("peakAnonMb");
      return [
        ...(idle ? [`${idle} MB before the clients came (median, fresh proxy)`] : []),
        // A Deno process's file-backed part is mostly the deno executable, shared by them all.
        // The private part split: glibc's main heap (native buffers, TLS state) and the rest
        // (in a Deno process mostly V8's heap): which of the two a change moved.
        ...(anon
          ? [
            `at the peak ${anon} MB private (${median("peakMallocMb")} MB of it glibc's main ` +
            `heap), ${median("peakFileMb")} MB file-backed`,
          ]
          : []),
      ];
    },
  };
}

async function peakRss(setup: BenchSetup, fresh: Fresh): Promise<Sample> {
  const spec = scaleLoadSpec(setup, fresh, "l7", 256);
  const none: ResidentMb = { rss: 0, anon: 0, file: 0 };
  const total = async (): Promise<ResidentMb> => {
    // A helper process that ended between the listing and the read counts as nothing.
    const each = await Promise.all(
      fresh.pids().map((pid) => readResidentMb(pid).catch(() => none)),
    );
    const sum = (key: keyof ResidentMb) => each.reduce((n, m) => n + m[key], 0);
    return { rss: sum("rss"), anon: sum("anon"), file: sum("file") };
  };
  const idle = await total();
  let peak = idle;
  let peakMalloc = 0;
  let mallocReadAt = -Infinity; // the peak RSS at which the malloc heap was read last
  const mallocHeap = async () => {
    const each = await Promise.all(fresh.pids().map((pid) => readMallocHeapMb(pid).catch(() => 0)));
    return each.reduce((n, mb) => n + mb, 0);
  };
  const read = async () => {
    const now = await total().catch(() => undefined);
    if (now === undefined || now.rss <= peak.rss) return;
    peak = now;
    // smaps costs more to read than status: again only once the peak grew by a MB.
    if (now.rss >= mallocReadAt + 1) [mallocReadAt, peakMalloc] = [now.rss, await mallocHeap()];
  };
  const timer = setInterval(read, 50);
  try {
    const result = await runLoad({ ...spec, ...spec.bounds, expectStatus: 200 });
    await read();
    const extra = {
      idleRssMb: idle.rss,
      peakAnonMb: peak.anon,
      peakFileMb: peak.file,
      peakMallocMb: peakMalloc,
    };
    return { value: peak.rss, samples: result.samples, errors: result.errors, extra };
  } finally {
    clearInterval(timer);
  }
}

/** The direct children of `pid` (Squid's certificate helpers), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`);
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
