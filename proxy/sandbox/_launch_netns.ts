/**
 * The netns launch: the command runs in the sandbox namespaces, and its only way out is the
 * bridge to the proxy, which learns each connection's requester from inside the namespace.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createProcIdentityResolver, type IdentityResolver } from "../identity/mod.ts";
import { fileBinds } from "./_file_binds.ts";
import { hostIpc } from "./host_ipc.ts";
import { planRules } from "./filesystem_plan.ts";
import {
  hiddenByPrivateTmp,
  ownsTmp,
  privateTmp,
  realPathOf,
  type TmpPath,
} from "./private_tmp.ts";
import { gitGuardPaths } from "./git_guard.ts";
import { confineStep } from "./confine_step.ts";
import { stdioTerminals } from "./stdio_terminals.ts";
import {
  childrenOf,
  eagerIdentity,
  killQuietly,
  type Launched,
  type LaunchSpec,
  signalAll,
  stdioOf,
} from "./_launch.ts";
import { NetnsSandbox, type NetnsSpawnOptions, type SyscallFilterFiles } from "./netns_sandbox.ts";
import { syscallFilter } from "./syscall_filter.ts";
import { newBridgeSecret } from "./_preamble.ts";
import { UnixBridge } from "./unix_bridge.ts";

/** The bridge and the forwarder, started as soon as the proxy is (see {@linkcode startNetns}). */
export interface NetnsStart {
  /** The forwarder, once it listens. */
  starting: Promise<NetnsSandbox>;
  /** Set once the command is spawned: the identity resolver and the sandbox's root. */
  late: { resolver?: IdentityResolver; wrapper: number; bwrap?: number };
  /** Close the bridge, the forwarder and the resolver; once, however often it is called. */
  close(): Promise<void>;
}

/**
 * Listen on the bridge and start the forwarder, whose Deno takes the longest of the launch: the
 * runner prepares the rest meanwhile, and `launchNetns()` waits for it only to spawn.
 */
export async function startNetns(
  spec: Pick<LaunchSpec, "sandboxDir" | "proxy" | "innerPort" | "baseEnv" | "onLog"> & {
    capturePorts: number[];
  },
): Promise<NetnsStart> {
  const secret = newBridgeSecret();
  // Set before the command exists, so before any client can connect.
  const late: NetnsStart["late"] = { wrapper: -1 };
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
    spec.proxy.serveConnection(conn, eagerIdentity(resolve));
  }, { onRefused: spec.onLog });
  const starting = NetnsSandbox.start({
    socketPath: bridge.path,
    port: spec.innerPort,
    secret,
    baseEnv: spec.baseEnv,
    onForwarderLog: spec.onLog,
    capturePorts: spec.capturePorts,
  });
  // Its failure is awaited by the launch (or in close()); not an unhandled rejection meanwhile.
  starting.catch(() => {});
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await bridge.close();
      await (await starting.catch(() => undefined))?.close();
      late.resolver?.close?.();
    })();
  return { starting, late, close };
}

/** Start the command inside the sandbox namespaces, reachable only through the bridge. */
export async function launchNetns(spec: LaunchSpec, started: NetnsStart): Promise<Launched> {
  const { late, close } = started;
  try {
    const { command, options } = await spawnPlan(spec);
    const sandbox = await started.starting;
    // Holders are searched below the sandbox's root only (#15 item 3), not host-wide.
    const boundary = () => sandboxRoot(late, spec.bwrap !== undefined);
    late.resolver = createProcIdentityResolver({
      netnsPid: sandbox.forwarderPid,
      treeRoot: () => (late.wrapper > 0 ? late.wrapper : undefined),
      boundary: () => (late.wrapper > 0 ? boundary() : undefined),
    });
    const child = sandbox.spawn(command, options);
    late.wrapper = child.pid;
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

/** What the command is spawned as in the namespace, and with which confinement. */
async function spawnPlan(
  spec: LaunchSpec,
): Promise<{ command: string[]; options: NetnsSpawnOptions }> {
  const binds = await fileBinds(spec);
  // Tollgate's own files stay readable under a filesystem_policy: the CA, the skill, DNS.
  const shown = [spec.publicDir, ...binds.map((bind) => bind.target)]
    .filter((path) => !spec.hideFiles?.includes(path));
  const env = spec.env(`http://127.0.0.1:${spec.innerPort}`);
  const ipc = await hostIpc({ keep: [spec.cwd, spec.stateDir] });
  // Read-write under a filesystem_policy: the terminal the command holds open already, and
  // /dev/shm once it is the sandbox's own empty tmpfs (Python's multiprocessing needs it).
  const ownShm = ipc.privateDirs.flatMap((dir) => dir.path === "/dev/shm" ? [dir.path] : []);
  // And its own pseudo-terminal instance (the setup script mounts one over the host's).
  const terminals = [...(spec.stdio === "inherit" ? stdioTerminals() : []), ...OWN_PTYS];
  // Without bubblewrap the step loads the syscall filter itself.
  const spawned = confineStep(spec.filesystem, { command: spec.command, env }, {
    workdir: spec.cwd,
    shown,
    writable: [...terminals, ...ownShm],
    runnerEnv: spec.baseEnv,
    syscallFilter: spec.bwrap === undefined ? syscallFilter(Deno.build.arch) : undefined,
  });
  const tmp = sandboxTmp(spec, spawned.env);
  // A host socket in the host's /tmp is out of sight already: one mount fewer each.
  const sockets = ipc.sockets.filter((path) => !tmp || !hiddenByPrivateTmp(path, tmp));
  return {
    command: spawned.command,
    options: {
      env: spawned.env,
      cwd: spec.cwd,
      hide: spec.stateDir,
      reveal: spec.publicDir,
      readOnly: [...spec.readOnly, ...await confinedGitGuard(spec)],
      binds,
      syscallFilter: await writeSyscallFilter(spec),
      hostIpc: { ...ipc, sockets },
      privateTmp: tmp,
      mountTable: join(spec.sandboxDir, "mounts.fstab"),
      hideDirs: spec.hideDirs,
      limits: spec.limits,
      ...stdioOf(spec.stdio),
    },
  };
}

/**
 * The sandbox's own /tmp under a `filesystem_policy` (see `privateTmp()`), and the host paths
 * below it the command or the launch still needs: the working and state directories, the fresh
 * HOME and cache, what the confine step runs from (Deno, its cache, this folder), the paths the
 * policy lists; `TMPDIR` gets an empty folder. Undefined: the host's /tmp.
 */
function sandboxTmp(spec: LaunchSpec, env: Record<string, string>): TmpPath[] | undefined {
  const rules = planRules(spec.filesystem, spec.cwd, []);
  const [cwd, stateDir] = [spec.cwd, spec.stateDir].map(realPathOf);
  if (!ownsTmp(spec.filesystem, [cwd!, stateDir!]) || rules === undefined) return undefined;
  const kept = [env.DENO_DIR ?? ""].filter((path) => path !== "");
  const step = [Deno.execPath(), dirname(fileURLToPath(import.meta.url))];
  return privateTmp({
    rules,
    kept: [cwd!, stateDir!, ...kept.map(realPathOf)],
    keptReadOnly: step.map(realPathOf),
    tmpdir: env.TMPDIR,
    copied: (spec.ownDirs ?? []).map(realPathOf),
  });
}

/** The sandbox's own pseudo-terminals: new ones (`/dev/ptmx`) and their ends (`/dev/pts`). */
const OWN_PTYS = ["/dev/ptmx", "/dev/pts"];

/**
 * Under a `filesystem_policy` the working directory is writable: its repository's config and
 * hooks are read-only (`gitGuardPaths()`). Without one the command has the user's files, its
 * global git config included, so guarding these would close nothing.
 */
async function confinedGitGuard(spec: LaunchSpec): Promise<string[]> {
  return spec.filesystem.kind === "landlock" ? await gitGuardPaths(spec.cwd) : [];
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

/** Write the compiled filter into the sandbox's directory, for bwrap's `--seccomp 9`. */
async function writeSyscallFilter(spec: LaunchSpec): Promise<SyscallFilterFiles | undefined> {
  if (spec.bwrap === undefined) return undefined;
  const program = join(spec.sandboxDir, "syscall_filter.bpf");
  await Deno.writeFile(program, syscallFilter(Deno.build.arch), { mode: 0o600 });
  return { program, bwrap: spec.bwrap };
}
