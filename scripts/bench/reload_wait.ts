/**
 * The benchmark's side of the reload-wait row's child (`reload_wait_child.ts`): start it on a
 * policy text, then ask it for one reload at a time.
 *
 * @module
 */

import { join } from "node:path";
import { PROXY_V8_FLAGS } from "../../proxy/mod.ts";
import type { ChildProcesses } from "./child_processes.ts";
import { startScriptChild } from "./script_child.ts";
import type { BenchSetup } from "./setup.ts";

/** The child's configuration, written by the benchmark. */
export interface ReloadWaitConfig {
  /** The policy's name. */
  policy: string;
  /** The file the holder names as the policy's source (messages only). */
  file: string;
  /** Where the policy text was written. */
  textFile: string;
}

/** One reload, as the child measured it. */
export interface ReloadWaitResult {
  /** The longest event-loop wait while the policy reloaded (ms). */
  worstMs: number;
  /** How long the reload took (ms). */
  reloadMs: number;
  /** The longest wait of the same probe run as long with nothing to do (ms). */
  idleWorstMs: number;
  /** The revision in force afterwards. */
  revision: number;
}

/** A running child. */
export interface ReloadWaitChild {
  /** Reload the policy at `revision` and wait for the child's figures. */
  reload(revision: number): Promise<ReloadWaitResult>;
  /** Stop the child. */
  stop(): Promise<void>;
}

const RELOAD_TIMEOUT_MS = 120_000;

/**
 * Start the child on `text` (a policy whose `revision:` line the reloads rewrite).
 *
 * @example
 * ```ts ignore
 * // Not run as a doc test: it loads a 10,000-rule policy in a child (seconds).
 * const child = await startReloadWait(setup, children, { policy: "bench", text });
 * const { worstMs } = await child.reload(2);
 * ```
 */
export async function startReloadWait(
  setup: BenchSetup,
  children: ChildProcesses,
  options: { policy: string; text: string },
): Promise<ReloadWaitChild> {
  const dir = await Deno.makeTempDir({ dir: setup.dir, prefix: "reload-wait-" });
  const textFile = join(dir, "bench.yaml");
  await Deno.writeTextFile(textFile, options.text);
  const config: ReloadWaitConfig = {
    policy: options.policy,
    file: join("scale", "bench.yaml"),
    textFile,
  };
  const { child, lines, send } = await startScriptChild(children, {
    name: "Reload-wait proxy",
    script: new URL("./reload_wait_child.ts", import.meta.url),
    config,
    configFile: join(dir, "child.json"),
    cpus: setup.pinning?.servers,
    // As the tollgate task runs a proxy, so that its heap is managed as the product's.
    denoFlags: [`--v8-flags=${PROXY_V8_FLAGS}`],
  });
  return {
    async reload(revision) {
      await send(`${revision}`);
      const line = await lines.next(RELOAD_TIMEOUT_MS);
      if (line === undefined) throw new Error("The reload-wait child exited");
      return JSON.parse(line) as ReloadWaitResult;
    },
    stop: () => child.stop(),
  };
}
