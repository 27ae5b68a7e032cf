/**
 * Identity rows (`--scale`, issue #15 item 3): the `/proc` requester lookup with 2,000 other
 * processes on the host, at about 100 new connections a second from a client process, once
 * searching the client's own process tree (a sandbox's root, as the runner passes it) and
 * once host-wide; with the event loop's worst lag while the lookups run (the no-stall check:
 * every other client of the proxy waits that long).
 *
 * @module
 */

import * as net from "node:net";
import { createProcIdentityResolver } from "../../proxy/mod.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { percentile } from "./stats.ts";
import { threadCpuClock } from "./thread_cpu.ts";

/** Processes started besides the client while the identity rows run. */
export const IDENTITY_PROCESSES = 2000;
const CONNECTIONS = 200;
const LAG_TICK_MS = 5;

/**
 * Two rows: `scale.identity.sandbox_tree` (the lookup given the client's root) and
 * `scale.identity.host_wide` (no root: every process is read). Each reports the lookup p99
 * and, as its value, the worst event-loop lag in ms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityRows } from "./rows_identity.ts";
 *
 * // Building is free; measuring starts 2,000 processes.
 * assert.deepEqual(identityRows().map((row) => row.info.id), [
 *   "scale.identity.sandbox_tree",
 *   "scale.identity.host_wide",
 * ]);
 * ```
 */
export function identityRows(): Row[] {
  return (["sandbox_tree", "host_wide"] as const).map((scope): Row => {
    const info: RowInfo = {
      id: `scale.identity.${scope}`,
      group: "scale_data",
      label: `identity lookup, ${IDENTITY_PROCESSES} processes, 100 conn/s, ` +
        (scope === "sandbox_tree" ? "sandbox's tree" : "host-wide"),
      per: "lookup",
      unit: "ms worst event-loop lag",
    };
    if (Deno.build.os !== "linux") return { info, skipped: "needs Linux /proc" };
    return { info, measure: () => measureLookups(scope === "sandbox_tree") };
  });
}

async function measureLookups(inTree: boolean): Promise<Sample> {
  await using _crowd = await spawnCrowd(IDENTITY_PROCESSES);
  let root: number | undefined;
  // In the tree, as `sandbox run` asks: holders below the client's root, ancestry cut at its
  // parent (this process, as the runner is).
  const resolver = createProcIdentityResolver(
    inTree ? { treeRoot: () => root, boundary: () => Deno.pid } : {},
  );
  const latencies: number[] = [];
  // The event loop thread's CPU time from a connection's arrival to its answer: the lookup's
  // own cost (and any callback that ran between), apart from waits for a CPU. In the tree only:
  // host-wide, lookups wait on the worker together, and each would count the others' work.
  const cpu = inTree ? threadCpuClock() : undefined;
  const cpuTimes: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const server = net.createServer((socket) => {
    const peer = {
      localPort: socket.localPort!,
      localAddress: socket.localAddress,
      remotePort: socket.remotePort!,
      remoteAddress: socket.remoteAddress!,
    };
    const t0 = performance.now();
    const c0 = cpu?.nowUs() ?? 0;
    resolver.resolve(peer).then(
      () => {
        latencies.push((performance.now() - t0) * 1000);
        if (cpu) cpuTimes.push(cpu.nowUs() - c0);
      },
      (error) => {
        errors++;
        firstError ??= String(error?.message ?? error);
      },
    ).finally(() => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  let lag = { stop: () => 0 };
  try {
    const port = (server.address() as net.AddressInfo).port;
    // A new connection every 10 ms or so from one long-lived client, each from a subshell
    // that stays connected until the server answers after its lookup (30 s at most): every
    // lookup finds its client connected, so a failure is a live client refused, never one that
    // had gone (a connection closed after 10 ms had no socket left when the lookup ran late).
    const connect = `exec 3<>/dev/tcp/127.0.0.1/${port}; read -r -t 30 -n 1 -u 3`;
    const script = `for i in $(seq ${CONNECTIONS}); do ( ${connect} ) & sleep 0.01; done; wait`;
    const client = new Deno.Command("bash", { args: ["-c", script], stdout: "null" }).spawn();
    // Watched from here: the spawn holds this event loop too (21-66 ms at load 16-29), and it
    // is the bench starting its client, not a lookup. No client can connect before it returns.
    lag = watchLag();
    root = client.pid;
    await client.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    resolver.close?.();
    cpu?.close();
    await new Promise((resolve) => server.close(resolve));
  }
  const cpuFigures = cpuTimes.length === 0 ? {} : {
    extra: { cpuP50Us: percentile(cpuTimes, 50), cpuP99Us: percentile(cpuTimes, 99) },
  };
  return {
    ...cpuFigures,
    value: lag.stop(),
    p50Us: percentile(latencies, 50),
    p99Us: percentile(latencies, 99),
    samples: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

/** The worst lateness of a 5 ms timer, in ms, until stopped. */
function watchLag(): { stop(): number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - LAG_TICK_MS);
    last = now;
  }, LAG_TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(0, worst);
    },
  };
}

/** `count` sleeping processes, each with a few descriptors, killed on dispose. */
async function spawnCrowd(count: number): Promise<AsyncDisposable> {
  const script = `for i in $(seq ${count}); do sleep 600 & done; echo ready; wait`;
  const child = new Deno.Command("bash", {
    args: ["-c", script],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read();
  reader.releaseLock();
  return {
    async [Symbol.asyncDispose]() {
      // The sleeps are the shell's children: end them by the shell's process group.
      for (const pid of childrenOf(child.pid)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
  };
}

function childrenOf(pid: number): number[] {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`);
    return text.trim().split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
