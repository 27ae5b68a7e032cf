/**
 * What the two launches (netns, env) share: the spec they take, the handle they return, the
 * eager identity of each connection, and how a launched command is waited for and
 * stopped.
 *
 * @module
 */

import type { RequesterIdentity } from "../policy/mod.ts";
import type { IdentityThunk, SandboxProxy } from "./sandbox_proxy.ts";
import type { FilesystemPlan } from "./filesystem_plan.ts";
import type { SpawnLimits } from "./sandbox_limits.ts";

/** What a launch needs; paths are absolute. */
export interface LaunchSpec {
  command: string[];
  /** Environment for the command, without the proxy URL (the launch adds it). */
  env: (proxyUrl: string) => Record<string, string>;
  cwd: string;
  proxy: SandboxProxy;
  stateDir: string;
  sandboxDir: string;
  publicDir: string;
  readOnly: string[];
  /** Files shown as empty inside (netns only): the org ceiling and auto-approval patterns. */
  hideFiles?: string[];
  /** Folders shown as empty inside (netns only): a linked gateway's state on this machine. */
  hideDirs?: string[];
  /** Folders the runner made for the command (its fresh HOME and cache), removed after it. */
  ownDirs?: string[];
  innerPort: number;
  /** Ports captured in transparent mode (netns only); none turns it off. */
  capturePorts: number[];
  /** The merged CA bundle, shown over the system trust stores (netns only). */
  caBundlePath: string;
  stdio: "inherit" | "null";
  /** The `bwrap` that loads the syscall filter (netns only); none: the command is unfiltered. */
  bwrap?: string;
  /** How the command's files are confined (netns only). */
  filesystem: FilesystemPlan;
  baseEnv: Record<string, string | undefined>;
  /** Its processes, nice, cgroups and tmpfs sizes (netns only; see `sandboxLimits()`). */
  limits?: SpawnLimits;
  onLog: (line: string) => void;
}

/** A started command and how to stop it and what it needed. */
export interface Launched {
  child: Deno.ChildProcess;
  /** Ask the command to stop (SIGTERM to the sandbox's root process). */
  terminate(): void;
  /** Stop the command and everything it started (SIGKILL). */
  kill(): void;
  /** Release the bridge, forwarder, listener and resolver (after the command ended). */
  close(): Promise<void>;
}

/**
 * Start resolving now (the client is alive now), never reject. The resolver cuts the
 * ancestry at the sandbox boundary (its `boundary` option).
 */
export function eagerIdentity(resolve: () => Promise<RequesterIdentity>): IdentityThunk {
  const identity = resolve().catch((error) =>
    error instanceof Error ? error : new Error(String(error))
  );
  return () => identity;
}

/** The three stdio options of `Deno.Command` set to one value. */
export function stdioOf(
  stdio: "inherit" | "null",
): { stdin: "inherit" | "null"; stdout: "inherit" | "null"; stderr: "inherit" | "null" } {
  return { stdin: stdio, stdout: stdio, stderr: stdio } as const;
}

/** The pids whose parent is `pid` (the sandbox root's children). */
export function childrenOf(pid: number): number[] {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`);
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Without CONFIG_PROC_CHILDREN: scan for processes whose parent is `pid`.
    const found: number[] = [];
    for (const entry of Deno.readDirSync("/proc")) {
      const candidate = Number(entry.name);
      if (Number.isInteger(candidate) && parentPid("/proc", candidate) === pid) {
        found.push(candidate);
      }
    }
    return found;
  }
}

/** Signal `child` (SIGKILL by default), ignoring that it may have exited already. */
export function killQuietly(child: Deno.ChildProcess, signal: Deno.Signal = "SIGKILL"): void {
  try {
    child.kill(signal);
  } catch {
    // It has already exited.
  }
}

/** Signal every pid, ignoring those that have exited already. */
export function signalAll(pids: number[], signal: Deno.Signal): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch {
      // It has already exited.
    }
  }
}

/** The command's exit status once it ends; aborting `signal` asks it to stop, then kills it. */
export async function waitForExit(
  launched: Launched,
  signal: AbortSignal | undefined,
  graceMs: number,
): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    launched.terminate();
    timer = setTimeout(() => launched.kill(), graceMs);
  };
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop();
  try {
    return (await launched.child.status).code;
  } finally {
    signal?.removeEventListener("abort", stop);
    clearTimeout(timer);
  }
}

/** The parent pid from `/proc/PID/stat` (field 4, after the parenthesised command name). */
function parentPid(procRoot: string, pid: number): number | undefined {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`${procRoot}/${pid}/stat`);
  } catch {
    return undefined;
  }
  // The command name may itself contain spaces and parentheses: split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}
