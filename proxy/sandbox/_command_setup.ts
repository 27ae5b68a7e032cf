/**
 * The `unshare` arguments that run the setup script (`_setup_script.ts`), which turns the
 * sandbox's fresh PID and mount namespace into the command's confinement (read-only and hidden
 * paths, no capabilities, the syscall filter), and the fstab lines of its mounts.
 *
 * @module
 */

import { dirname, join } from "node:path";
import type { HostIpc, PrivateDir } from "./host_ipc.ts";
import { COMMAND_SETUP, TAKE_BOUNDS } from "./_setup_script.ts";
import { within } from "./_within.ts";
import type { TmpPath } from "./private_tmp.ts";
import { DEFAULT_MAX_PROCESSES, DEFAULT_NICE, type SpawnLimits } from "./sandbox_limits.ts";
import { tmpfsBounds } from "./tmpfs_bounds.ts";

/**
 * `unshare` arguments for the sandbox's own PID namespace with its own /proc (and its own System V
 * IPC namespace), whose first
 * process is `sh -c SCRIPT` (the script follows): the command is spawned under them, and
 * `probeNetns()` tries the very same ones.
 */
export const PID_NAMESPACE_SHELL: readonly string[] = [
  "--pid",
  // System V IPC and POSIX message queues: the command cannot reach the runner's user's.
  "--ipc",
  "--fork",
  "--kill-child",
  "--mount-proc",
  "--",
  "sh",
  "-c",
];

/** What the script confines the command with: the fields of `NetnsSpawnOptions` it reads. */
export interface CommandSetup {
  hide: string;
  reveal: string;
  readOnly: string[];
  binds?: { source: string; target: string }[];
  syscallFilter?: { program: string; bwrap: string };
  hostIpc?: HostIpc;
  limits?: SpawnLimits;
  hideDirs?: string[];
  /** The sandbox's own /tmp and what it shows of the host's; none: the host's /tmp. */
  privateTmp?: TmpPath[];
  /** A FIFO the command waits on for `go` (see `NetnsSpawnOptions.gate`); none: it does not. */
  gate?: string;
  /** The command is the confine step: it reads the gate and takes its bounds itself. */
  confineStep?: boolean;
  /** Where the script writes its mount tables, hidden from the command; default: beside `reveal`. */
  mountTable?: string;
}

/** `unshare` arguments running `command` confined as `options` say (after `nsenter`'s `--`). */
export function commandSetupArgs(command: string[], options: CommandSetup): string[] {
  const tmpfs = options.limits?.tmpfs ?? FALLBACK_TMPFS;
  const { hide, reveal } = options;
  const hideDirs = options.hideDirs ?? [];
  // A socket under a folder covered whole is out of sight already: one mount fewer each.
  const hidden = (path: string) =>
    (within(path, hide) && !within(path, reveal)) || hideDirs.some((dir) => within(path, dir));
  return [
    "unshare",
    ...PID_NAMESPACE_SHELL,
    COMMAND_SETUP,
    "tollgate-sandbox",
    hide,
    reveal,
    options.syscallFilter?.program ?? "",
    options.syscallFilter?.bwrap ?? "",
    String(options.limits?.nice ?? DEFAULT_NICE),
    String(options.limits?.maxProcesses ?? DEFAULT_MAX_PROCESSES),
    tmpfs.tmp,
    // Three slots, one per controller (v1 mounts each apart, v2 holds them in one folder).
    ...[0, 1, 2].map((slot) => options.limits?.cgroupProcs[slot] ?? ""),
    options.mountTable ?? join(dirname(reveal), "mounts.fstab"),
    fstabLine("tollgate-hidden", hide, "tmpfs", "nosuid,mode=0755,size=4k,nr_inodes=16"),
    // Opened (fd 3) before the tmpfs covers it; its mount point is made in the tmpfs.
    fstabLine("/proc/self/fd/3", reveal, "none", "bind,ro,nosuid,X-mount.mkdir"),
    options.gate ?? "",
    options.confineStep ? "step" : "",
    TAKE_BOUNDS,
    ...(options.privateTmp
      ? counted(options.privateTmp, (item) => [item.path, item.show, tmpLine(item)])
      : ["host"]),
    ...counted(options.hostIpc?.privateDirs ?? [], (dir, index) => {
      const size = dir.path === "/dev/shm" ? tmpfs.shm : tmpfs.runtime;
      const mountOptions = `nosuid,mode=${dir.mode.toString(8)},${size}`;
      const line = fstabLine("tollgate-private", dir.path, "tmpfs", mountOptions);
      return [dir.path, line, keptLines(dir, PRIVATE_DIR_FDS[index]!)];
    }),
    ...counted(options.readOnly, (path) => [path]),
    ...counted(options.binds ?? [], (bind) => [
      bind.target,
      fstabLine(bind.source, bind.target, "none", "bind,ro,nosuid"),
    ]),
    ...counted(hideDirs, (path) => [path, fstabLine("tollgate-hidden", path, "tmpfs", EMPTY)]),
    ...counted(socketCovers(options.hostIpc, hidden), (cover) => cover),
    ...command,
  ];
}

/**
 * One line of the setup script's mount tables (fstab(5)): source and target with every byte
 * but letters, digits and `/._-` written as an octal escape, which libmount reads back, so that
 * no path (spaces, newlines, a `#`) can end a field or a line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fstabLine } from "./_command_setup.ts";
 *
 * assert.equal(
 *   fstabLine("/tmp/a b", "/tmp/x\ny #z", "none", "bind,ro"),
 *   "/tmp/a\\040b /tmp/x\\012y\\040\\043z none bind,ro 0 0",
 * );
 * ```
 */
export function fstabLine(source: string, target: string, type: string, options: string): string {
  return `${fstabField(source)} ${fstabField(target)} ${type} ${options} 0 0`;
}

function fstabField(path: string): string {
  let field = "";
  for (const byte of new TextEncoder().encode(path)) {
    const char = String.fromCharCode(byte);
    field += /^[A-Za-z0-9/._-]$/.test(char) ? char : `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return field;
}

/** A host path of the sandbox's own /tmp, bound back from the host's (fd 4), its folder made. */
function tmpLine(item: TmpPath): string {
  const source = `/proc/self/fd/4/${item.path.slice("/tmp/".length)}`;
  const options = `bind,${item.show === "ro" ? "ro," : ""}nosuid,X-mount.mkdir`;
  return fstabLine(source, item.path, "none", options);
}

/**
 * The descriptors the setup script opens each private folder on (`exec 7<`, `exec 8<`, in the
 * order of `HostIpc.privateDirs`: `/dev/shm`, then the runtime folder) before its tmpfs covers
 * it, so that the host folders it keeps are bound back from there.
 */
const PRIVATE_DIR_FDS = [7, 8] as const;

/**
 * The lines binding back the host folders a private folder keeps (`dir.keep`), from the
 * descriptor open on the host's (`fd`), their mount points made in its tmpfs; one per line,
 * `""` when it keeps none (the script then opens no descriptor).
 */
function keptLines(dir: PrivateDir, fd: number): string {
  return (dir.keep ?? []).map((path) => {
    const source = `/proc/self/fd/${fd}/${path.slice(dir.path.length + 1)}`;
    return fstabLine(source, path, "none", "bind,nosuid,X-mount.mkdir");
  }).join("\n");
}

/** An empty folder's cover: read-only, one inode, nothing to keep memory in. */
const EMPTY = "ro,nosuid,mode=0700,size=4k,nr_inodes=1";

/**
 * The last batch: each host socket to check, and the line that covers it: its sandboxes
 * folder's (with the first of its sockets, `""` with the others), else `/dev/null` over it.
 */
function socketCovers(
  ipc: HostIpc | undefined,
  hidden: (path: string) => boolean,
): [string, string][] {
  const folders = (ipc?.sandboxFolders ?? []).filter((folder) => !hidden(folder));
  const covered = new Set<string>();
  return (ipc?.sockets ?? []).filter((path) => !hidden(path)).map((path) => {
    const folder = folders.find((dir) => within(path, dir));
    if (folder === undefined) return [path, fstabLine("/dev/null", path, "none", "bind,nosuid")];
    if (covered.has(folder)) return [path, ""];
    covered.add(folder);
    return [path, fstabLine("tollgate-hidden", folder, "tmpfs", EMPTY)];
  });
}

/** Without limits given (a caller of `NetnsSandbox` alone): those of a 4 GiB bound. */
const FALLBACK_TMPFS = tmpfsBounds(4096);

/** A list as the script reads it: its length, then each item's fields. */
function counted<T>(items: readonly T[], fields: (item: T, index: number) => string[]): string[] {
  return [String(items.length), ...items.flatMap((item, index) => fields(item, index))];
}
