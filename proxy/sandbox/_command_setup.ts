/**
 * The script that turns the sandbox's fresh PID and mount namespace into the command's
 * confinement (read-only and hidden paths, no capabilities, the syscall filter), and the
 * `unshare` arguments that run it.
 *
 * @module
 */

import type { HostIpc } from "./host_ipc.ts";
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

// Runs as root of the sandbox's user namespace, in the command's fresh mount namespace, then
// drops every capability: the command cannot undo these mounts, enter other namespaces, or
// read the forwarder's memory (ptrace needs a superset of the forwarder's capabilities).
const COMMAND_SETUP = `set -e
hide=$1; reveal=$2; filter=$3; bwrap=$4; cpunice=$5; nproc=$6; tmpfs=$7
group1=$8; group2=$9; group3=\${10}; shift 10
here=$(pwd -P)
# At most nproc processes and threads (see sandbox_limits.ts): the limit the kernel counts per
# user namespace (never above the runner's own hard limit, which it may not raise), and no way
# back below the nice set at the end (RLIMIT_NICE 0; no real-time scheduling either).
prlimit --pid $$ --nproc="$nproc:$nproc" --nice=0:0 --rtprio=0:0
# Should the machine run out of memory, the kernel ends the command's processes before the
# proxy, the gateway or anything else of the user's. /proc turns read-only below: it stays so.
echo 1000 > /proc/self/oom_score_adj
# The filter file lies in the state directory, hidden below: open it while it can be seen.
if [ -n "$filter" ]; then exec 9<"$filter"; fi
# Under a filesystem_policy, a /tmp of its own: sockets bound in the host's later (tmux, X11) are
# not reached. First, as every mount below acts on what it shows: the host paths it keeps are
# bound back through fd 4, the host's /tmp opened before the tmpfs covers it; one gone is skipped.
count=$1; shift
if [ "$count" != host ]; then
  exec 4</tmp
  mount -t tmpfs -o "mode=1777,$tmpfs" tollgate-tmp /tmp
  while [ "$count" -gt 0 ]; do
    from=/proc/self/fd/4/\${1#/tmp/}
    if [ "$2" = new ] || [ "$2" = copy ]; then mkdir -p -m 0700 "$1"
    elif [ -d "$from" ]; then mkdir -p "$1"
    elif [ -e "$from" ]; then mkdir -p "\${1%/*}"; if [ ! -e "$1" ]; then : > "$1"; fi
    fi
    # A copy (the fresh HOME and cache): what the command writes there stays in this capped /tmp.
    if [ "$2" = copy ] && [ -d "$from" ]; then cp -a "$from/." "$1/"
    elif [ "$2" != new ] && [ -e "$from" ]; then
      mount --no-canonicalize --bind "$from" "$1"
      if [ "$2" = ro ]; then mount -o remount,bind,ro "$1"; fi
    fi
    shift 2; count=$((count - 1))
  done
  exec 4<&-
fi
# The host's shared memory and session runtime folder: empty ones of the sandbox's own, each with
# its size (one in the host's /tmp is gone already).
count=$1; shift
while [ "$count" -gt 0 ]; do
  if [ -d "$1" ]; then mount -t tmpfs -o "$2" tollgate-private "$1"; fi
  shift 2; count=$((count - 1))
done
# Its own pseudo-terminals: every /dev/pts/N of the host is a terminal the runner's user may
# open (read what is typed in another window, write into it). The one it was started on stays
# reachable through its descriptors, /proc/self/fd and /dev/tty.
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 tollgate-pts /dev/pts
mount --bind /dev/pts/ptmx /dev/ptmx
# Read-only: the policy repository (with --gateway, the gateway's too, where it is on this
# machine). One that does not exist here is skipped: nothing reads it.
count=$1; shift
while [ "$count" -gt 0 ]; do
  if [ -e "$1" ]; then mount --bind -o ro "$1" "$1"; fi
  shift; count=$((count - 1))
done
count=$1; shift
while [ "$count" -gt 0 ]; do
  if [ -e "$2" ]; then mount --bind -o ro "$1" "$2"; fi
  shift 2; count=$((count - 1))
done
# The host's Unix sockets cross network namespaces by path: /dev/null covers each (connecting
# to it is refused). One gone meanwhile is fine; one still there that cannot be covered stops.
count=$1; shift
while [ "$count" -gt 0 ]; do
  mount --bind /dev/null "$1" 2>/dev/null || [ ! -S "$1" ] ||
    { echo "tollgate: cannot cover the host socket $1" >&2; exit 1; }
  shift; count=$((count - 1))
done
# A linked gateway's state on this machine (its credentials, enrolment token, CA key): hidden as
# Tollgate's own is below, after the read-only binds, which would otherwise show it again. Empty
# and read-only: the command cannot keep memory in them.
count=$1; shift
while [ "$count" -gt 0 ]; do
  if [ -d "$1" ]; then mount -t tmpfs -o ro,mode=0700,size=4k,nr_inodes=1 tollgate-hidden "$1"; fi
  shift; count=$((count - 1))
done
exec 3<"$reveal"
mount -t tmpfs -o mode=0755,size=4k,nr_inodes=16 tollgate-hidden "$hide"
mkdir -p "$reveal"
mount --no-canonicalize --bind /proc/self/fd/3 "$reveal"
mount -o remount,bind,ro "$reveal"
mount -o remount,bind,ro "$hide"
exec 3<&-
# A root runner's pids, cpu and memory cgroups, joined once this script's own mounts are done
# (the cpu one would slow them on a busy machine), while /sys is writable, before the command.
for group in "$group1" "$group2" "$group3"; do
  if [ -n "$group" ]; then echo 0 > "$group"; fi
done
# /proc read-only: a process may still read its children's /proc files, but not write their
# memory through /proc/PID/mem, which the kernel checks as ptrace access rather than as the
# (filtered) ptrace syscall. Magic links such as /proc/self/fd/N reach their targets' mounts.
mount -o remount,bind,ro /proc
# /sys read-only, each mount below it too: sysfs and cgroup files are checked by owner and mode
# alone, so a root runner's command could write kernel knobs, a user's its delegated cgroups.
# bwrap's --ro-bind does it in one process; without it, one mount(8) each (about 1 ms apiece).
if [ -z "$filter" ]; then
  while read -r _ _ _ _ point _; do
    case $point in /sys | /sys/*) mount -o remount,bind,ro "$point" ;; esac
  done < /proc/self/mountinfo
fi
# The working directory was entered before these mounts: enter it again by path, or relative
# paths would reach the files under them (a writable policy repo, a hidden ceiling).
cd -- "$here"
# The command's nice, never lower than the runner's: the 19th field of /proc/self/stat.
read -r _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ own _ < /proc/self/stat
if [ "$own" -lt "$cpunice" ]; then raise=$((cpunice - own)); else raise=0; fi
# bwrap sets no_new_privs, drops every capability and loads the filter (it reads and closes
# fd 9), then starts the command as its child; it stays above it as the namespace's init.
if [ -n "$filter" ]; then
  exec nice -n "$raise" "$bwrap" --dev-bind / / --ro-bind /sys /sys --cap-drop ALL --seccomp 9 -- "$@"
fi
exec nice -n "$raise" setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs -- "$@"`;

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
}

/** `unshare` arguments running `command` confined as `options` say (after `nsenter`'s `--`). */
export function commandSetupArgs(command: string[], options: CommandSetup): string[] {
  const tmpfs = options.limits?.tmpfs ?? FALLBACK_TMPFS;
  return [
    "unshare",
    ...PID_NAMESPACE_SHELL,
    COMMAND_SETUP,
    "tollgate-sandbox",
    options.hide,
    options.reveal,
    options.syscallFilter?.program ?? "",
    options.syscallFilter?.bwrap ?? "",
    String(options.limits?.nice ?? DEFAULT_NICE),
    String(options.limits?.maxProcesses ?? DEFAULT_MAX_PROCESSES),
    tmpfs.tmp,
    // Three slots, one per controller (v1 mounts each apart, v2 holds them in one folder).
    ...[0, 1, 2].map((slot) => options.limits?.cgroupProcs[slot] ?? ""),
    ...(options.privateTmp
      ? counted(options.privateTmp, (item) => [item.path, item.show])
      : ["host"]),
    ...counted(options.hostIpc?.privateDirs ?? [], (dir) => [
      dir.path,
      `mode=${dir.mode.toString(8)},${dir.path === "/dev/shm" ? tmpfs.shm : tmpfs.runtime}`,
    ]),
    ...counted(options.readOnly, (path) => [path]),
    ...counted(options.binds ?? [], (bind) => [bind.source, bind.target]),
    ...counted(options.hostIpc?.sockets ?? [], (path) => [path]),
    ...counted(options.hideDirs ?? [], (path) => [path]),
    ...command,
  ];
}

/** Without limits given (a caller of `NetnsSandbox` alone): those of a 4 GiB bound. */
const FALLBACK_TMPFS = tmpfsBounds(4096);

/** A list as the script reads it: its length, then each item's fields. */
function counted<T>(items: readonly T[], fields: (item: T) => string[]): string[] {
  return [String(items.length), ...items.flatMap(fields)];
}
