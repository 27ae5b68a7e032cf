/**
 * Start a Tollgate proxy as a child process (`proxy_child.ts`) and read what the rows need:
 * its port, its pid (for RSS) and its CA certificate (to trust intercepted tunnels).
 *
 * @module
 */

import { join } from "node:path";
import type { ChildProcesses, RunningChild } from "./child_processes.ts";
import type { ProxyChildConfig } from "./proxy_child_config.ts";
import { benchPolicyYaml, benchResolve, FIXED_EXE } from "./bench_policy.ts";
import type { BenchSetup } from "./setup.ts";
import { ChildLines } from "./child_lines.ts";

/** A running Tollgate proxy child. */
export interface TollgateProxy {
  port: number;
  pid: number;
  /** The Tollgate CA certificate (PEM) that intercepted tunnels present. */
  caPem: string;
  child: RunningChild;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STDERR_TAIL = 2000;

/**
 * Start a proxy child named `name` with the bench policy and the given identity mode.
 *
 * @example
 * ```ts ignore
 * const proxy = await startTollgateProxy(setup, children, { name: "fixed", identity: "fixed" });
 * ```
 */
export async function startTollgateProxy(
  setup: BenchSetup,
  children: ChildProcesses,
  options: { name: string; identity: "fixed" | "proc"; policiesDir?: string },
): Promise<TollgateProxy> {
  const { httpPort, httpsPort } = setup.upstreams;
  const stateDir = join(setup.dir, `tollgate-${options.name}`);
  await Deno.mkdir(stateDir, { recursive: true });
  const denoExe = await Deno.realPath(Deno.execPath());
  const config: ProxyChildConfig = {
    policyText: options.policiesDir
      ? await Deno.readTextFile(join(options.policiesDir, "bench.yaml"))
      : benchPolicyYaml({ httpPort, httpsPort, binaries: [FIXED_EXE, denoExe] }),
    stateDir,
    resolve: benchResolve(httpPort, httpsPort),
    upstreamCaPem: setup.certs.caPem,
    identity: options.identity,
    ...(options.policiesDir ? { policiesDir: options.policiesDir } : {}),
  };
  const configFile = join(stateDir, "child.json");
  await Deno.writeTextFile(configFile, JSON.stringify(config));
  const script = new URL("./proxy_child.ts", import.meta.url).pathname;
  const { child, process } = children.spawn(
    Deno.execPath(),
    ["run", "-A", "--quiet", script, configFile],
    {
      name: `tollgate-${options.name}`,
      lifeline: true,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    },
  );
  const stderr = collectTail(process.stderr);
  try {
    const line = await new ChildLines(process.stdout).next(READY_TIMEOUT_MS);
    if (line === undefined) throw new Error("the child exited");
    const { port } = JSON.parse(line) as { port: number };
    const caPem = await Deno.readTextFile(join(stateDir, "ca", "ca.pem"));
    return { port, pid: child.pid, caPem, child, stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    const tail = (await stderr).trim().split("\n").slice(-3).join(" | ");
    throw new Error(
      `Tollgate proxy did not start: ${(error as Error).message}${tail ? `: ${tail}` : ""}`,
    );
  }
}

/**
 * The last characters a child wrote to `stream`, once it ends (for error messages).
 *
 * @example
 * ```ts ignore
 * const tail = collectTail(process.stderr);
 * ```
 */
export async function collectTail(stream: ReadableStream<Uint8Array>): Promise<string> {
  let tail = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    tail = (tail + chunk).slice(-STDERR_TAIL);
  }
  return tail;
}

/**
 * The resident set size of process `pid` in MB, from `/proc/PID/status` (VmRSS).
 *
 * @example
 * ```ts ignore
 * const mb = await readRssMb(proxy.pid);
 * ```
 */
export async function readRssMb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`No VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}
