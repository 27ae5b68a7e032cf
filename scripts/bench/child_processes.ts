/**
 * Child processes of the benchmark (proxies under test), tracked so that every one of them
 * is stopped at the end, on failure and on Ctrl-C.
 *
 * @module
 */

import * as net from "node:net";
import { pinnedCommand } from "./cpu_pinning.ts";

/** One running child. */
export interface RunningChild {
  /** Process id. */
  readonly pid: number;
  /** Label for messages. */
  readonly name: string;
  /** Resolves when the child has exited (for whatever reason). */
  readonly exited: Promise<Deno.CommandStatus>;
  /** Stop it: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** Options for {@linkcode ChildProcesses.spawn}. */
export interface SpawnOptions {
  /** Label for messages. */
  name: string;
  /** Working directory. */
  cwd?: string;
  /** Environment added to ours. */
  env?: Record<string, string>;
  /** Keep stdin open as a lifeline: a child that reads it exits when the benchmark dies. */
  lifeline?: boolean;
  /** Where stderr goes (default: discarded). */
  stderr?: "inherit" | "null" | "piped";
  /** Where stdout goes (default: discarded). */
  stdout?: "piped" | "null";
  /** Start the child (and whatever it starts) on these CPUs (`taskset -c` list). */
  cpus?: string;
}

const GRACE_MS = 2000;

/**
 * Spawns and tracks children; {@linkcode ChildProcesses.stopAll} stops whatever is left.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChildProcesses } from "./child_processes.ts";
 *
 * await using children = new ChildProcesses();
 * const { child } = children.spawn("sleep", ["30"], { name: "sleeper" });
 * assert.equal(children.running.length, 1);
 * await child.stop(); // SIGTERM, then SIGKILL after a grace period
 * assert.equal(children.running.length, 0);
 * ```
 */
export class ChildProcesses {
  #running = new Set<RunningChild>();

  /** Start `command` with `args`; stdin is piped when `lifeline` is set, otherwise null. */
  spawn(
    command: string,
    args: string[],
    options: SpawnOptions,
  ): { child: RunningChild; process: Deno.ChildProcess } {
    const [program, programArgs] = pinnedCommand(command, args, options.cpus);
    const process = new Deno.Command(program, {
      args: programArgs,
      cwd: options.cwd,
      env: options.env,
      stdin: options.lifeline ? "piped" : "null",
      stdout: options.stdout ?? "null",
      stderr: options.stderr ?? "null",
    }).spawn();
    const exited = process.status;
    const child: RunningChild = {
      pid: process.pid,
      name: options.name,
      exited,
      stop: () => this.#stop(child, process, options.lifeline === true),
    };
    this.#running.add(child);
    exited.finally(() => this.#running.delete(child));
    return { child, process };
  }

  /** Children still running. */
  get running(): RunningChild[] {
    return [...this.#running];
  }

  /** Stop every child still running, all in parallel. */
  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((child) => child.stop()));
  }

  /** Same as {@linkcode stopAll}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopAll();
  }

  async #stop(
    child: RunningChild,
    process: Deno.ChildProcess,
    lifeline: boolean,
  ): Promise<void> {
    if (!this.#running.has(child)) {
      await child.exited;
      return;
    }
    // A child on a lifeline stops when its stdin closes; the others get SIGTERM.
    if (!lifeline || !(await tryClose(process.stdin))) trySignal(process, "SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceful = await Promise.race([
      child.exited.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), GRACE_MS)),
    ]);
    clearTimeout(timer);
    if (!graceful) trySignal(process, "SIGKILL");
    await child.exited;
  }
}

async function tryClose(stdin: WritableStream<Uint8Array>): Promise<boolean> {
  try {
    await stdin.close();
    return true;
  } catch {
    return false;
  }
}

function trySignal(process: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    process.kill(signal);
  } catch {
    // Already gone.
  }
}

/**
 * Wait until something accepts TCP connections on `127.0.0.1:port`, or throw after
 * `timeoutMs` (or as soon as `exited` settles: the child died).
 *
 * @example
 * ```ts
 * import { waitForPort } from "./child_processes.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * await waitForPort(listener.addr.port, 10_000); // resolves: something accepts
 * listener.close();
 * ```
 */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  exited?: Promise<unknown>,
): Promise<void> {
  let dead = false;
  exited?.then(() => dead = true);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (dead) throw new Error(`Process exited before listening on port ${port}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Nothing listens on port ${port} after ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 (bind port 0, read it, release it). For programs that must be
 * told their port in a config file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { freePort } from "./child_processes.ts";
 *
 * const port = await freePort();
 * assert.ok(port > 0);
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
