/**
 * The sandbox's namespaces: a user + network namespace holding the forwarder (the only way
 * out), and the command started inside it in its own PID and mount namespace, without
 * capabilities, with Tollgate's state hidden and the policy directory read-only.
 *
 * @module
 */

import {
  consumeLines,
  forwarderArgs,
  forwarderEnv,
  killProcess,
  LineWriter,
  readyPid,
  stopProcess,
} from "./_forwarder_process.ts";
import { commandSetupArgs } from "./_command_setup.ts";
import type { SpawnLimits } from "./sandbox_limits.ts";
import type { HostIpc } from "./host_ipc.ts";
import type { TmpPath } from "./private_tmp.ts";

/** Options of {@linkcode NetnsSandbox.start}. */
export interface NetnsStartOptions {
  /** The runner's bridge socket the forwarder connects to. */
  socketPath: string;
  /** The port the forwarder listens on inside the namespace (the proxy, as CMD sees it). */
  port: number;
  /** The bridge secret, handed to the forwarder on its standard input. */
  secret: string;
  /** Environment for the forwarder's Deno (PATH, HOME, DENO_DIR are kept). */
  baseEnv: Record<string, string | undefined>;
  /** Lines the forwarder writes on standard error. */
  onForwarderLog?: (line: string) => void;
  /** How long the forwarder may take to start (Deno start-up and a cold transpile). */
  readyTimeoutMs?: number;
  /** Ports captured in transparent mode; none: off (see `ForwarderTarget.capturePorts`). */
  capturePorts?: number[] | Promise<number[]>;
}

/** A file shown read-only in place of another, in the command's mount namespace only. */
export interface FileBind {
  /** The file shown (readable by the command). */
  source: string;
  /** The file it covers; skipped when that does not exist. */
  target: string;
}

/** Options of {@linkcode NetnsSandbox.spawn}. */
export interface NetnsSpawnOptions {
  /** The command's whole environment. */
  env: Record<string, string>;
  /** The command's working directory. */
  cwd: string;
  /** Hidden from the command (a tmpfs is mounted over it): Tollgate's state directory. */
  hide: string;
  /** Inside `hide`, shown again read-only: the CA bundle and certificate the command needs. */
  reveal: string;
  /** Directories the command may read but not change (the policy directory). */
  readOnly: string[];
  /** Files covered by others (system trust stores by the CA bundle, `/etc/resolv.conf`). */
  binds?: FileBind[];
  /** The syscall filter: without one, the command runs unfiltered under `setpriv`. */
  syscallFilter?: SyscallFilterFiles;
  /** The host's sockets and IPC folders, covered so that the command cannot reach them. */
  hostIpc?: HostIpc;
  /** Folders covered by an empty tmpfs: a linked gateway's state on this machine. */
  hideDirs?: string[];
  /** The command's own /tmp, with the host paths it shows again; none: the host's /tmp. */
  privateTmp?: TmpPath[];
  /** Where the setup script writes its mount tables, hidden; by default beside `reveal`. */
  mountTable?: string;
  /** Its processes, nice, cgroups and tmpfs sizes (see `sandboxLimits()`, `tmpfsBounds()`). */
  limits?: SpawnLimits;
  /** A FIFO the runner holds open: the command starts once `go` comes (never if it closes). */
  gate?: string;
  /**
   * The command is the confine step (`confineStep()`, same `limits`): it waits at the gate and
   * takes the command's cgroups and nice itself; else a shell after bubblewrap waits and takes
   * them. Either way the start runs at the runner's priority, outside the cpu weight.
   */
  confineStep?: boolean;
  /** The command's standard input: the runner's, or none. */
  stdin?: "inherit" | "null";
  /** The command's standard output: the runner's, or none. */
  stdout?: "inherit" | "null";
  /** The command's standard error: the runner's, or none. */
  stderr?: "inherit" | "null";
}

/** The syscall filter the command runs under, and the bubblewrap that loads it. */
export interface SyscallFilterFiles {
  /** The compiled seccomp program (see `syscallFilter()`), readable before `hide` is hidden. */
  program: string;
  /** The `bwrap` executable. */
  bwrap: string;
}

const defaults = { readyTimeoutMs: 20_000 } satisfies Partial<NetnsStartOptions>;

/**
 * A running sandbox namespace: its forwarder, and the commands started in it.
 *
 * @example
 * ```ts ignore sandbox
 * // Not run as a doc test: it needs user and network namespaces, which some hosts deny.
 * const sandbox = await NetnsSandbox.start({ socketPath, port: 3128, secret, baseEnv });
 * const child = sandbox.spawn(["curl", "http://example.com/"], spawnOptions);
 * await child.status;
 * await sandbox.close();
 * ```
 */
export class NetnsSandbox {
  /** A process inside the network namespace (the forwarder), for `/proc/PID/net/tcp`. */
  readonly forwarderPid: number;
  /**
   * Settles once the forwarder listens, or fails to (rejects with its first error line; the
   * caller closes the sandbox then). Commands may be spawned before: see `gate`.
   */
  readonly ready: Promise<void>;
  #forwarder: Deno.ChildProcess;
  #input: LineWriter;
  #output: Promise<unknown>;

  private constructor(
    forwarder: Deno.ChildProcess,
    input: LineWriter,
    pid: number,
    output: Promise<unknown>,
    ready: Promise<void>,
  ) {
    this.#forwarder = forwarder;
    this.#input = input;
    this.forwarderPid = pid;
    this.#output = output;
    this.ready = ready;
    // Awaited by whoever spawns; not an unhandled rejection before that.
    ready.catch(() => {});
  }

  /**
   * Create the namespaces and start the forwarder in them; resolves once it listens.
   *
   * @throws {Error} When the forwarder does not come up (its first error line is included).
   */
  static async start(options: NetnsStartOptions): Promise<NetnsSandbox> {
    const sandbox = await NetnsSandbox.enter(options);
    try {
      await sandbox.ready;
    } catch (error) {
      await sandbox.close();
      throw error;
    }
    return sandbox;
  }

  /**
   * Create the namespaces and start the forwarder in them; resolves as soon as the namespaces
   * exist (commands may be spawned, behind a `gate`), while the forwarder's Deno starts.
   *
   * @throws {Error} When the namespaces cannot be made (the first error line is included).
   */
  static async enter(options: NetnsStartOptions): Promise<NetnsSandbox> {
    const child = new Deno.Command("unshare", {
      args: forwarderArgs(options),
      clearEnv: true,
      env: forwarderEnv(options.baseEnv),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const input = new LineWriter(child.stdin.getWriter());
    const errors: string[] = [];
    const entered = Promise.withResolvers<string>();
    const listening = Promise.withResolvers<string>();
    const output = Promise.all([
      consumeLines(child.stderr, (line) => {
        if (errors.length < 5) errors.push(line);
        options.onForwarderLog?.(line);
      }),
      consumeLines(child.stdout, (line) => {
        if (line.startsWith("ns ")) entered.resolve(line);
        else listening.resolve(line);
      }),
    ]);
    void output.then(() => [entered, listening].forEach((line) => line.resolve("")));
    const failed = (error: unknown) => {
      const detail = errors.find((line) => line.trim() !== "") ?? String(error);
      return new Error(`Cannot start the sandbox network namespace: ${detail}`);
    };
    const timeoutMs = options.readyTimeoutMs ?? defaults.readyTimeoutMs;
    try {
      // A write that fails (unshare is gone) is told below: it never said `ns`.
      void input.send(options.secret);
      // The second line once known: the forwarder's Deno starts meanwhile, then waits for it.
      const sent = input.send(Promise.resolve(options.capturePorts ?? []).then((p) => p.join()));
      const pid = await readyPid(entered.promise, timeoutMs, "ns");
      // Timed from the ports' line: the proxy's start before it is not the forwarder's.
      const ready = sent.then(() => readyPid(listening.promise, timeoutMs)).then(
        (readyPid) => {
          if (readyPid !== pid) throw new Error(`forwarder ${readyPid} is not ${pid}`);
        },
        (error) => Promise.reject(failed(error)),
      );
      return new NetnsSandbox(child, input, pid, output, ready);
    } catch (error) {
      await stopProcess(child, input.writer);
      await output;
      throw failed(error);
    }
  }

  /**
   * Start `command` inside the namespace. Its parent (the returned process, `unshare`) is the
   * boundary of a requester's ancestry; when the command exits, the kernel ends every
   * process left in its PID namespace.
   */
  spawn(command: string[], options: NetnsSpawnOptions): Deno.ChildProcess {
    const args = [
      `--target=${this.forwarderPid}`,
      "--user",
      "--net",
      // Keep our uid (root inside): an unprivileged runner may not call setgroups() there.
      "--preserve-credentials",
      "--",
      ...commandSetupArgs(command, options),
    ];
    const child = new Deno.Command("nsenter", {
      args,
      clearEnv: true,
      env: options.env,
      cwd: options.cwd,
      stdin: options.stdin ?? "inherit",
      stdout: options.stdout ?? "inherit",
      stderr: options.stderr ?? "inherit",
    }).spawn();
    // Should the runner die, the forwarder kills this wrapper and with it the namespace.
    void this.#input.send(`watch ${child.pid}`);
    return child;
  }

  /** Stop the forwarder (killed, see `killProcess()`) and wait for it. */
  async close(): Promise<void> {
    void this.#input.send("stop");
    await killProcess(this.#forwarder, this.#input.writer);
    await this.#output;
  }
}
