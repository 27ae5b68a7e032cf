/**
 * Start a Tollgate proxy as a child process (`proxy_child.ts`) and read what the rows need:
 * its port, its pid (for RSS) and its CA certificate (to trust intercepted tunnels).
 *
 * @module
 */

import { join } from "node:path";
import { readResidentMb } from "./process_figures.ts";
import type { ChildProcesses, RunningChild } from "./child_processes.ts";
import type { ProxyChildConfig, ProxyIdentity } from "./proxy_child_config.ts";
import {
  type BenchPolicyOptions,
  benchPolicyYaml,
  benchResolve,
  FIXED_EXE,
} from "./bench_policy.ts";
import type { BenchSetup } from "./setup.ts";
import { startScriptChild } from "./script_child.ts";
import { PROXY_V8_FLAGS } from "../../proxy/mod.ts";

/** A running Tollgate proxy child. */
export interface TollgateProxy {
  port: number;
  pid: number;
  /** The Tollgate CA certificate (PEM) that intercepted tunnels present. */
  caPem: string;
  child: RunningChild;
  stop(): Promise<void>;
}

/**
 * Start a proxy child named `name` with the bench policy and the given identity mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import { ChildProcesses } from "./child_processes.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { createTestCertificates } from "./test_ca.ts";
 * import { startTollgateProxy } from "./tollgate_proxy.ts";
 * import { startUpstreams } from "./upstream_servers.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await createTestCertificates(["bench.example"], dir);
 * const upstreams = await startUpstreams(certs);
 * const setup: BenchSetup = { budget: budgetFor(true), certs, upstreams, dir };
 * await using children = new ChildProcesses();
 * const proxy = await startTollgateProxy(setup, children, { name: "fixed", identity: "fixed" });
 * const url = `http://bench-http.example:${upstreams.httpPort}/ok/bench`;
 * const client = Deno.createHttpClient({ proxy: { url: `http://127.0.0.1:${proxy.port}` } });
 * const response = await fetch(url, { client });
 * assert.equal(response.status, 200); // the bench policy allows it
 * await response.body?.cancel();
 * client.close();
 * await proxy.stop();
 * await upstreams.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startTollgateProxy(
  setup: BenchSetup,
  children: ChildProcesses,
  options: { name: string; identity: ProxyIdentity; policiesDir?: string; extraRules?: string },
): Promise<TollgateProxy> {
  const { httpPort, httpsPort } = setup.upstreams;
  // A directory of its own, whatever the name: two children must never share a config file.
  const stateDir = await Deno.makeTempDir({ dir: setup.dir, prefix: `tollgate-${options.name}-` });
  const config: ProxyChildConfig = {
    // A control repository's directory (its proposals go to its store), else one of our own.
    policiesDir: options.policiesDir ?? await benchPolicies(stateDir, {
      httpPort,
      httpsPort,
      binaries: [FIXED_EXE, await Deno.realPath(Deno.execPath())],
      ...(options.extraRules ? { extraRules: options.extraRules } : {}),
    }),
    proposals: options.policiesDir !== undefined,
    stateDir,
    resolve: benchResolve(httpPort, httpsPort, setup.upstreams.h2Port),
    upstreamCaPem: setup.certs.caPem,
    identity: options.identity,
    // The load generator runs in this process: its tree holds every client of the rows.
    ...(options.identity === "proc_tree" ? { treeRoot: Deno.pid } : {}),
  };
  const { child, ready } = await startScriptChild(children, {
    name: "Tollgate proxy",
    script: new URL("./proxy_child.ts", import.meta.url),
    config,
    configFile: join(stateDir, "child.json"),
    cpus: setup.pinning?.servers,
    // As the tollgate task runs it, so that its memory is the product's.
    denoFlags: [`--v8-flags=${PROXY_V8_FLAGS}`],
  });
  const caPem = await Deno.readTextFile(join(stateDir, "ca", "ca.pem")).catch(async (error) => {
    await child.stop();
    throw error;
  });
  return { port: ready.port as number, pid: child.pid, caPem, child, stop: () => child.stop() };
}

/** A policies directory in `stateDir` whose `bench.yaml` is the bench policy of `options`. */
async function benchPolicies(
  stateDir: string,
  options: BenchPolicyOptions,
): Promise<string> {
  const dir = join(stateDir, "policies");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "bench.yaml"), benchPolicyYaml(options));
  return dir;
}

/**
 * The resident set size of process `pid` in MB, from `/proc/PID/status` (VmRSS).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRssMb } from "./tollgate_proxy.ts";
 *
 * assert.ok(await readRssMb(Deno.pid) > 1); // this process: a Deno runtime takes tens of MB
 * ```
 */
export async function readRssMb(pid: number): Promise<number> {
  return (await readResidentMb(pid)).rss;
}
