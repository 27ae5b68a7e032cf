/**
 * Start a fleet of Tollgate proxy processes (`fleet_child.ts`) following a gateway, and collect the
 * policy swaps they report: which proxy enforces which revision since when.
 *
 * @module
 */

import { join } from "node:path";
import type { ChildProcesses, RunningChild } from "./child_processes.ts";
import type { ChildLines } from "./child_lines.ts";
import { startScriptChild } from "./script_child.ts";
import type { FleetChildConfig } from "./proxy_child_config.ts";
import { benchResolve } from "./bench_policy.ts";
import type { BenchSetup } from "./setup.ts";

/** A running fleet. */
export interface ProxyFleet {
  ports: number[];
  /**
   * Resolve with the time (epoch ms) at which each proxy first enforced a revision ≥
   * `revision`, once all of them do; reject after `timeoutMs`.
   */
  enforcing(revision: number, timeoutMs: number): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * Start `count` proxies, each in its own child process (as `count` sandboxes would run them,
 * each with its own event loop) and each subscribed to the gateway.
 *
 * @example
 * ```ts ignore
 * const fleet = await startProxyFleet(setup, children, { count: 10, gatewayUrl, token, policy });
 * ```
 */
export async function startProxyFleet(
  setup: BenchSetup,
  children: ChildProcesses,
  options: { count: number; gatewayUrl: string; token: string; policy: string },
): Promise<ProxyFleet> {
  const swaps = new SwapLog(options.count);
  const started = await Promise.allSettled(
    Array.from({ length: options.count }, (_, i) => startMember(setup, children, options, i)),
  );
  const members = started.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(members.map((m) => m.child.stop()));
    throw failed.reason;
  }
  for (const [i, member] of members.entries()) {
    member.lines.listen((line) => swaps.add({ ...JSON.parse(line), proxy: i }));
  }
  return {
    ports: members.map((m) => m.port),
    enforcing: (revision, timeoutMs) => swaps.waitFor(revision, timeoutMs),
    stop: async () => void await Promise.all(members.map((m) => m.child.stop())),
  };
}

interface Member {
  child: RunningChild;
  port: number;
  lines: ChildLines;
}

/** One proxy process of the fleet (`fleet_child.ts` with a count of one). */
async function startMember(
  setup: BenchSetup,
  children: ChildProcesses,
  options: { gatewayUrl: string; token: string; policy: string },
  index: number,
): Promise<Member> {
  const stateDir = join(setup.dir, `tollgate-fleet-${index}`);
  await Deno.mkdir(stateDir, { recursive: true });
  const config: FleetChildConfig = {
    ...options,
    count: 1,
    stateDir,
    resolve: benchResolve(setup.upstreams.httpPort, setup.upstreams.httpsPort),
    upstreamCaPem: setup.certs.caPem,
  };
  const { child, lines, ready } = await startScriptChild(children, {
    name: "Proxy fleet",
    script: new URL("./fleet_child.ts", import.meta.url),
    config,
    configFile: join(stateDir, "fleet.json"),
  });
  return { child, port: (ready.ports as number[])[0]!, lines };
}

/** The newest revision each proxy enforces, with the time it started to. */
class SwapLog {
  #latest: { revision: number; at: number }[];
  #waiters = new Set<() => void>();

  constructor(count: number) {
    this.#latest = Array.from({ length: count }, () => ({ revision: -1, at: 0 }));
  }

  add(swap: { proxy: number; revision: number; at: number }): void {
    const current = this.#latest[swap.proxy];
    if (!current || swap.revision <= current.revision) return;
    this.#latest[swap.proxy] = { revision: swap.revision, at: swap.at };
    for (const waiter of [...this.#waiters]) waiter();
  }

  waitFor(revision: number, timeoutMs: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.#latest.some((l) => l.revision < revision)) return;
        done();
        resolve(this.#latest.map((l) => l.at));
      };
      const timer = setTimeout(() => {
        done();
        const behind = this.#latest.filter((l) => l.revision < revision).length;
        reject(new Error(`${behind} proxies not at revision ${revision} after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }
}
