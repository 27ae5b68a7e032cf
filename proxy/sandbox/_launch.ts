/**
 * The two ways the runner starts a command: in the sandbox namespaces behind the bridge
 * (netns), or as a plain child with proxy variables (env). Both hand every client connection
 * to the proxy with an identity confined to the sandbox.
 *
 * @module
 */

import * as net from "node:net";
import { join } from "node:path";
import { createProcIdentityResolver, type IdentityResolver } from "../identity/mod.ts";
import type { RequesterIdentity } from "../policy/mod.ts";
import { confineIdentity, parentPid } from "./confine_identity.ts";
import { type FileBind, NetnsSandbox } from "./netns_sandbox.ts";
import { newBridgeSecret } from "./_preamble.ts";
import type { IdentityThunk, SandboxProxy } from "./sandbox_proxy.ts";
import { UnixBridge } from "./unix_bridge.ts";
import { writeAtomically } from "./_files.ts";
import { TRUST_STORE_FILES } from "./sandbox_env.ts";

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
  innerPort: number;
  /** Ports captured in transparent mode (netns only); none turns it off. */
  capturePorts: number[];
  /** The merged CA bundle, shown over the system trust stores (netns only). */
  caBundlePath: string;
  stdio: "inherit" | "null";
  baseEnv: Record<string, string | undefined>;
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

/** Start the command inside the sandbox namespaces, reachable only through the bridge. */
export async function launchNetns(spec: LaunchSpec): Promise<Launched> {
  const secret = newBridgeSecret();
  // Set before the command exists, so before any client can connect.
  const late: { resolver?: IdentityResolver; boundary: number } = { boundary: -1 };
  const bridge = await UnixBridge.listen(`${spec.sandboxDir}/proxy.sock`, secret, (conn, at) => {
    // The connection as the kernel inside the namespace sees it: to the proxy port, or to the
    // synthetic address a captured client dialled.
    const peer = {
      localPort: at.serverPort,
      localAddress: at.serverAddress,
      remotePort: at.clientPort,
      remoteAddress: at.clientAddress,
    };
    const resolve = () => late.resolver!.resolve(peer);
    spec.proxy.serveConnection(conn, eagerIdentity(resolve, late.boundary));
  }, { onRefused: spec.onLog });
  let sandbox: NetnsSandbox | undefined;
  const close = async () => {
    await bridge.close();
    await sandbox?.close();
    late.resolver?.close?.();
  };
  try {
    sandbox = await NetnsSandbox.start({
      socketPath: bridge.path,
      port: spec.innerPort,
      secret,
      baseEnv: spec.baseEnv,
      onForwarderLog: spec.onLog,
      capturePorts: spec.capturePorts,
    });
    // Holders are searched below the sandbox's root only (#15 item 3), not host-wide.
    late.resolver = createProcIdentityResolver({
      netnsPid: sandbox.forwarderPid,
      treeRoot: () => (late.boundary > 0 ? late.boundary : undefined),
    });
    const child = sandbox.spawn(spec.command, {
      env: spec.env(`http://127.0.0.1:${spec.innerPort}`),
      cwd: spec.cwd,
      hide: spec.stateDir,
      reveal: spec.publicDir,
      readOnly: spec.readOnly,
      binds: await fileBinds(spec),
      ...stdioOf(spec.stdio),
    });
    late.boundary = child.pid;
    return {
      child,
      terminate: () => signalAll(childrenOf(child.pid), "SIGTERM"),
      // The wrapper dies; --kill-child then kills the namespace's init, and with it the rest.
      kill: () => killQuietly(child),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The system trust stores show the CA bundle, so clients with no CA variable (wget's GnuTLS,
 * Go, anything reading the distribution's file) trust the proxy; in transparent mode the
 * resolver is the forwarder's DNS answerer, and `/etc/hosts` names only loopback, so every
 * other name gets a synthetic address that leads back to the proxy.
 */
async function fileBinds(spec: LaunchSpec): Promise<FileBind[]> {
  const binds = TRUST_STORE_FILES.map((target) => ({ source: spec.caBundlePath, target }));
  // An empty file over each hidden one: the policy directory is readable, these never.
  const empty = `${spec.publicDir}/empty`;
  if (spec.hideFiles?.length) await writeAtomically(empty, "");
  binds.push(...(spec.hideFiles ?? []).map((target) => ({ source: empty, target })));
  const skills = join(spec.publicDir, "skills");
  if (await openShellSkillsDir(skills)) binds.push({ source: skills, target: OPENSHELL_SKILLS });
  if (spec.capturePorts.length === 0) return binds;
  const resolvConf = `${spec.publicDir}/resolv.conf`;
  const hosts = `${spec.publicDir}/hosts`;
  await writeAtomically(
    resolvConf,
    "# Tollgate sandbox: the DNS answerer of transparent mode\nnameserver 127.0.0.1\n",
  );
  await writeAtomically(hosts, "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
  return [...binds, { source: resolvConf, target: "/etc/resolv.conf" }, {
    source: hosts,
    target: "/etc/hosts",
  }];
}

/**
 * Where OpenShell's sandboxes keep the policy-advisor skill: an agent written for OpenShell
 * reads `/etc/openshell/skills/policy_advisor.md` or `.../policy-advisor/SKILL.md`, so the
 * sandbox's copy is shown there too.
 */
const OPENSHELL_SKILLS = "/etc/openshell/skills";

/**
 * Whether the skills can be shown at OpenShell's path: a bind needs a directory to cover, so
 * an empty one is created on the host when missing (it stays empty there); without the right
 * to create it the skill is still at `TOLLGATE_SKILL`.
 */
async function openShellSkillsDir(skills: string): Promise<boolean> {
  if (!(await Deno.stat(skills).then((s) => s.isDirectory, () => false))) return false;
  await Deno.mkdir(OPENSHELL_SKILLS, { recursive: true, mode: 0o755 }).catch(() => {});
  return await Deno.stat(OPENSHELL_SKILLS).then((s) => s.isDirectory, () => false);
}

/** Start the command as a plain child; only its environment points it at the proxy. */
export async function launchEnv(spec: LaunchSpec): Promise<Launched> {
  // The command is our child: holders are searched among our descendants (#15 item 3).
  const resolver = createProcIdentityResolver({ treeRoot: () => Deno.pid });
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const peer = {
      localPort: socket.localPort ?? 0,
      localAddress: socket.localAddress,
      remotePort: socket.remotePort ?? 0,
      remoteAddress: socket.remoteAddress ?? "",
    };
    // The command is our own child: the runner is the boundary of its ancestry.
    spec.proxy.serveConnection(socket, eagerIdentity(() => resolver.resolve(peer), Deno.pid));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const close = async () => {
    const stopped = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await stopped;
    resolver.close?.();
  };
  const { command, env, cwd, stdio } = spec;
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  let child: Deno.ChildProcess;
  try {
    const options = { args: command.slice(1), clearEnv: true, env: env(url), cwd };
    child = new Deno.Command(command[0]!, { ...options, ...stdioOf(stdio) }).spawn();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    child,
    terminate: () => killQuietly(child, "SIGTERM"),
    kill: () => killQuietly(child),
    close,
  };
}

/** Start resolving now (the client is alive now), confine to the sandbox, never reject. */
function eagerIdentity(
  resolve: () => Promise<RequesterIdentity>,
  boundaryPid: number,
): IdentityThunk {
  const identity = resolve().then(
    (found) => confineIdentity(found, boundaryPid),
    (error) => error instanceof Error ? error : new Error(String(error)),
  );
  return () => identity;
}

function stdioOf(stdio: "inherit" | "null") {
  return { stdin: stdio, stdout: stdio, stderr: stdio } as const;
}

function childrenOf(pid: number): number[] {
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

function killQuietly(child: Deno.ChildProcess, signal: Deno.Signal = "SIGKILL"): void {
  try {
    child.kill(signal);
  } catch {
    // It has already exited.
  }
}

function signalAll(pids: number[], signal: Deno.Signal): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch {
      // It has already exited.
    }
  }
}
