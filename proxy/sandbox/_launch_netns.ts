/**
 * The netns launch: the command runs in the sandbox namespaces, and its only way out is the
 * bridge to the proxy, which learns each connection's requester from inside the namespace. The
 * forwarder's Deno start is the longest step: the runner's preparation and the command's setup
 * run meanwhile, and the command itself waits at the gate until the forwarder listens.
 *
 * @module
 */

import { createProcIdentityResolver, type IdentityResolver } from "../identity/mod.ts";
import {
  childrenOf,
  eagerIdentity,
  killQuietly,
  type Launched,
  type LaunchSpec,
  signalAll,
} from "./_launch.ts";
import { closeAllOnExec } from "./_close_on_exec.ts";
import { NetnsSandbox } from "./netns_sandbox.ts";
import { newBridgeSecret } from "./_preamble.ts";
import { spawnPlan } from "./_spawn_plan.ts";
import { UnixBridge } from "./unix_bridge.ts";
import type { SandboxProxy } from "./sandbox_proxy.ts";
import { DEFAULT_CAPTURE_PORTS } from "./capture_ports.ts";

/** The bridge and the forwarder, started before the proxy (see {@linkcode startNetns}). */
export interface NetnsStart {
  /** The forwarder, once its namespaces exist (`ready` once it listens). */
  starting: Promise<NetnsSandbox>;
  /** Set once the command is spawned: the identity resolver and the sandbox's root. */
  late: { resolver?: IdentityResolver; wrapper: number; bwrap?: number };
  /**
   * The proxy has started: bridged connections go to it (closed before: only the forwarder's own
   * empty probe comes earlier), and the forwarder learns the capture ports it still waited for.
   */
  serve(proxy: SandboxProxy, capturePorts: number[]): void;
  /** Close the bridge, the forwarder and the resolver; once, however often it is called. */
  close(): Promise<void>;
}

/**
 * Listen on the bridge and start the forwarder, whose Deno takes the longest of the launch: the
 * runner starts the proxy and prepares the rest meanwhile (the capture ports follow once the
 * proxy's policy tells them), and `launchNetns()` waits for it only to spawn.
 */
export async function startNetns(
  spec: Pick<LaunchSpec, "sandboxDir" | "innerPort" | "baseEnv" | "onLog"> & {
    /** Known already (an explicit list), else those `serve()` is given. */
    capturePorts?: number[];
  },
): Promise<NetnsStart> {
  const secret = newBridgeSecret();
  // Set before the command exists, so before any client can connect.
  const late: NetnsStart["late"] = { wrapper: -1 };
  let proxy: SandboxProxy | undefined;
  const ports = Promise.withResolvers<number[]>();
  ports.promise.catch(() => {});
  const bridge = await UnixBridge.listen(`${spec.sandboxDir}/proxy.sock`, secret, (conn, at) => {
    // The connection as the kernel inside the namespace sees it: to the proxy port, or to the
    // synthetic address a captured client dialled.
    const peer = {
      localPort: at.serverPort,
      localAddress: at.serverAddress,
      remotePort: at.clientPort,
      remoteAddress: at.clientAddress,
    };
    if (proxy === undefined) return void conn.destroy();
    const resolve = () => late.resolver!.resolve(peer);
    proxy.serveConnection(conn, eagerIdentity(resolve));
  }, { onRefused: spec.onLog });
  const starting = NetnsSandbox.enter({
    socketPath: bridge.path,
    port: spec.innerPort,
    secret,
    baseEnv: spec.baseEnv,
    onForwarderLog: spec.onLog,
    capturePorts: spec.capturePorts ?? ports.promise,
  });
  // Its failure is awaited by the launch (or in close()); not an unhandled rejection meanwhile.
  starting.catch(() => {});
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      ports.reject(new Error("the sandbox is closing")); // Its forwarder waits no more.
      const forwarder = starting.then((sandbox) => sandbox.close(), () => {});
      await Promise.all([bridge.close(), forwarder]);
      late.resolver?.close?.();
    })();
  const serve = (started: SandboxProxy, capturePorts: number[]) => {
    proxy = started;
    ports.resolve(capturePorts);
  };
  return { starting, late, serve, close };
}

/** The ports the proxy's policy asks to capture (else 80 and 443), but the proxy's own. */
export function proxyCapturePorts(proxy: SandboxProxy, innerPort: number): number[] {
  return (proxy.policyPorts?.() ?? [...DEFAULT_CAPTURE_PORTS]).filter((port) => port !== innerPort);
}

/** Start the command inside the sandbox namespaces, reachable only through the bridge. */
export async function launchNetns(spec: LaunchSpec, started: NetnsStart): Promise<Launched> {
  const { late } = started;
  let gate: Deno.FsFile | undefined;
  const close = async () => {
    closeGate(gate);
    await started.close();
  };
  try {
    const { command, options } = await spawnPlan(spec);
    const sandbox = await started.starting;
    // Read and write: opening a FIFO so never waits. Held open until the end, so that the word
    // stays there however late the script opens it; should the runner die, the script reads EOF.
    gate = await Deno.open(options.gate!, { read: true, write: true });
    // Holders are searched below the sandbox's root only (#15 item 3), not host-wide.
    const boundary = () => sandboxRoot(late, spec.bwrap !== undefined);
    late.resolver = createProcIdentityResolver({
      netnsPid: sandbox.forwarderPid,
      treeRoot: () => (late.wrapper > 0 ? late.wrapper : undefined),
      boundary: () => (late.wrapper > 0 ? boundary() : undefined),
    });
    // Standard input, output and error alone: nothing else of the runner's reaches the command.
    closeAllOnExec();
    const child = sandbox.spawn(command, options);
    late.wrapper = child.pid;
    try {
      await sandbox.ready;
    } catch (error) {
      killQuietly(child);
      await child.status;
      throw error;
    }
    await gate.write(new TextEncoder().encode("go\n"));
    return {
      child,
      terminate: () => signalAll(commandRoots(child.pid, spec.bwrap !== undefined), "SIGTERM"),
      // The wrapper dies; --kill-child then kills the namespace's init, and with it the rest.
      kill: () => killQuietly(child),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function closeGate(gate: Deno.FsFile | undefined): void {
  try {
    gate?.close();
  } catch {
    // Closed already.
  }
}

/**
 * The process a requester's ancestry is cut at: the wrapper, or with the syscall filter bwrap
 * (the wrapper's child, started before any command process), so that neither counts as an
 * ancestor that a policy binary could match.
 */
function sandboxRoot(late: { wrapper: number; bwrap?: number }, filtered: boolean): number {
  if (!filtered || late.wrapper < 0) return late.wrapper;
  late.bwrap ??= childrenOf(late.wrapper)[0];
  return late.bwrap ?? late.wrapper;
}

/**
 * The command's top processes, to ask to stop: the namespace's init, and with the filter
 * bwrap's children too. A PID namespace's init ignores SIGTERM unless it handles it, and
 * bwrap, the init above a filtered command, does not.
 */
function commandRoots(wrapper: number, filtered: boolean): number[] {
  const init = childrenOf(wrapper);
  return filtered ? [...init, ...init.flatMap(childrenOf)] : init;
}
