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
import { SwapLog } from "./swap_log.ts";
import type { BenchSetup } from "./setup.ts";

/** A running fleet. */
export interface ProxyFleet {
  ports: number[];
  /**
   * Resolve with the time (epoch ms) at which each proxy enforced `revision`, written by a
   * step that began at `since` (epoch ms), once all of them do; reject after `timeoutMs`, or
   * when a proxy follows another writer (see `SwapLog.waitFor`).
   */
  enforcing(revision: number, timeoutMs: number, since: number): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * Start `count` proxies, each in its own child process (as `count` sandboxes would run them,
 * each with its own event loop) and each subscribed to the gateway.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startGateway } from "../../gateway/mod.ts";
 * import { budgetFor } from "./budget.ts";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { startProxyFleet } from "./proxy_fleet.ts";
 * import { CONTROL_POLICY, createControlRepo } from "./rows_control.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 *
 * const dir = await Deno.makeTempDir();
 * // No request reaches an upstream here: the ports only fill in the policy.
 * const upstreams = { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() };
 * const certs = await createTestCertificates(["bench.example"], dir);
 * const setup: BenchSetup = { budget: budgetFor(true), certs, upstreams, dir };
 * const repo = await createControlRepo(setup);
 * const gateway = await startGateway({
 *   policiesDir: repo.policiesDir,
 *   stateDir: `${dir}/gateway-state`,
 *   listen: "127.0.0.1:0",
 * });
 * await using children = new ChildProcesses();
 * const { url: gatewayUrl, token } = gateway;
 * const fleet = await startProxyFleet(setup, children, {
 *   count: 1,
 *   gatewayUrl,
 *   token,
 *   policy: CONTROL_POLICY,
 * });
 * assert.equal(fleet.ports.length, 1);
 * await fleet.stop();
 * await gateway.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startProxyFleet(
  setup: BenchSetup,
  children: ChildProcesses,
  options: { count: number; gatewayUrl: string; token: string; policy: string },
): Promise<ProxyFleet> {
  const swaps = new SwapLog(options.count);
  // A directory of its own: two fleets starting at once (the approve and the auto-approve
  // rows) once shared "tollgate-fleet-0", and so its config file, so one proxy followed the
  // other fleet's gateway.
  const fleetDir = await Deno.makeTempDir({ dir: setup.dir, prefix: "fleet-" });
  const started = await Promise.allSettled(
    Array.from(
      { length: options.count },
      (_, i) => startMember(setup, children, options, join(fleetDir, `proxy-${i}`)),
    ),
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
    enforcing: (revision, timeoutMs, since) => swaps.waitFor(revision, timeoutMs, since),
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
  stateDir: string,
): Promise<Member> {
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
