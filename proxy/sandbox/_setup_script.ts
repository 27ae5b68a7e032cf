/**
 * The shell script that turns the sandbox's fresh PID and mount namespace into the command's
 * confinement; `_command_setup.ts` builds its arguments.
 *
 * @module
 */

/**
 * Runs as root of the sandbox's user namespace, in the command's fresh mount namespace, then
 * drops every capability: the command cannot undo these mounts, enter other namespaces, or read
 * the forwarder's memory (ptrace needs a superset of the forwarder's capabilities).
 *
 * Most mounts are gathered as fstab lines (their paths escaped by the runner, see `fstabLine()`)
 * and made in their order by one `mount --all` each batch: one mount(8) process per mount cost
 * about 1.5 ms apiece, some 30 ms of the start. `mount --all` skips, silently, a line whose source
 * is mounted at its target already: a folder shown read-only in its own place is one when it is a
 * mount point of its own (a container's volume), so those are mounted apart, one process each. No
 * other line can be: their targets are fresh, or their sources are this sandbox's own.
 *
 * Every mount is nosuid, as bubblewrap would make it: bubblewrap then remounts none of them, for
 * it stops when one it remounts has gone, and a host socket's cover goes with the socket (another
 * project's sandbox ending while this one starts).
 */
/** The descriptor the script opens the gate on (`exec 6<`), which the confine step reads. */
export const GATE_FD = 6;

/**
 * The descriptors the script opens the sandbox's `cgroup.procs` files on (`exec 3>`, one per
 * hierarchy, in the order of `SpawnLimits.cgroupProcs`), while `/sys` is writable: the command's
 * own process joins them by writing to these just before it starts (the confine step, else
 * {@linkcode TAKE_BOUNDS}), and closes them.
 */
export const GROUP_FDS: readonly number[] = [3, 7, 8];

/**
 * After bubblewrap, when the command is not the confine step (which does the same itself): the
 * command's process waits at the gate (`$1` set: on fd 6), so that bubblewrap was set up while
 * the forwarder's Deno started; then it joins the sandbox's cgroups (`$2`: the descriptors open
 * on them), closes them, and takes its nice (`$3`: the raise) as it becomes the command. Until
 * then it is the start's, at the runner's priority and outside the sandbox's cpu weight. `nice`
 * only when it changes something: one exec fewer.
 */
export const TAKE_BOUNDS = `if [ -n "$1" ]; then
  go=; read -r go <&6 || :; exec 6<&-
  if [ "$go" != go ]; then echo "tollgate: the sandbox's forwarder did not start" >&2; exit 1; fi
fi
for fd in $2; do
  echo 0 >&"$fd" || { echo "tollgate: cannot join the sandbox's cgroup" >&2; exit 126; }
done
exec 3>&- 7>&- 8>&-
raise=$3; shift 3
if [ "$raise" -gt 0 ]; then exec nice -n "$raise" -- "$@"; fi
exec "$@"`;

export const COMMAND_SETUP = `set -e
hide=$1; reveal=$2; filter=$3; bwrap=$4; cpunice=$5; nproc=$6; tmpfs=$7
group1=$8; group2=$9; group3=\${10}; table=\${11}; hideline=\${12}; revealline=\${13}
gate=\${14}; step=\${15}; bounds=\${16}; shift 16
# The runner's word that the forwarder listens comes through the gate (see below); the runner
# holds it open for writing already, so this does not wait. Opened before the state is hidden.
if [ -n "$gate" ]; then exec 6<"$gate"; fi
# The working directory by its real path: pwd -P would fork a subshell.
cd -P .; here=$PWD
# At most nproc processes and threads (see sandbox_limits.ts): the limit the kernel counts per
# user namespace (never above the runner's own hard limit, which it may not raise), and no way
# back below the nice set at the end (RLIMIT_NICE 0; no real-time scheduling either).
prlimit --pid $$ --nproc="$nproc:$nproc" --nice=0:0 --rtprio=0:0
# Should the machine run out of memory, the kernel ends the command's processes before the
# proxy, the gateway or anything else of the user's. /proc turns read-only below: it stays so.
echo 1000 > /proc/self/oom_score_adj
# The filter file lies in the state directory, hidden below: open it while it can be seen.
if [ -n "$filter" ]; then exec 9<"$filter"; fi
# The lines gathered so far, mounted in order. The table lies in the hidden state directory,
# which the mounts below cover (the host's /tmp too): written and read through fd 5.
exec 5>"$table"
tab=
mount_table() {
  if [ -n "$tab" ]; then
    printf '%s' "$tab" > /proc/self/fd/5; tab=
    mount --all --no-canonicalize --fstab /proc/self/fd/5
  fi
}
# The host sockets' list (a count, then each path and its line, empty where an earlier line
# covers it: its sandboxes folder's), read twice: to cover, to check.
socket_lines() {
  count=$1; shift
  while [ "$count" -gt 0 ]; do
    if [ -n "$2" ]; then tab="$tab$2
"; fi
    shift 2; count=$((count - 1))
  done
}
# Of a list (a count, then each path and its line), the lines of the paths that pass the test
# ($1: -d, -e); the caller then drops the list: shift $((1 + 2 * $1)).
lines_if() {
  cond=$1; count=$2; shift 2
  while [ "$count" -gt 0 ]; do
    if [ "$cond" "$1" ]; then tab="$tab$2
"; fi
    shift 2; count=$((count - 1))
  done
}
# A listed path that still reads as a socket: one its server is removing this moment (the kernel
# takes the cover off before the name goes, so a look in between finds the socket), or one
# whose cover did not take. It is covered again, at most three times, a pause after each try
# that fails (the path went, or is going): one that stays an uncovered socket stops the start.
uncovered() {
  count=$1; shift
  while [ "$count" -gt 0 ]; do
    tries=0
    while [ -S "$1" ]; do
      if [ "$tries" -eq 3 ]; then echo "tollgate: cannot cover the host socket $1" >&2; return 1; fi
      mount --bind -o nosuid /dev/null "$1" 2>/dev/null || sleep 0.05
      tries=$((tries + 1))
    done
    shift 2; count=$((count - 1))
  done
}
# Under a filesystem_policy, a /tmp of its own: sockets bound in the host's later (tmux, X11) are
# not reached. First, as every mount below acts on what it shows: the host paths it keeps are
# bound back through fd 4, the host's /tmp opened before the tmpfs covers it; one gone is skipped.
# Copies are made before any bind, so that none writes through one into the host's /tmp.
count=$1; shift
if [ "$count" != host ]; then
  exec 4</tmp
  mount -t tmpfs -o "nosuid,mode=1777,$tmpfs" tollgate-tmp /tmp
  while [ "$count" -gt 0 ]; do
    from=/proc/self/fd/4/\${1#/tmp/}
    # A copy (the fresh HOME and cache): what the command writes there stays in this capped /tmp.
    # cp makes the folder, with the host one's mode (0700): one mkdir process fewer.
    if [ "$2" = copy ] && [ -d "$from" ]; then
      if [ ! -d "\${1%/*}" ]; then mkdir -p "\${1%/*}"; fi
      if [ -e "$1" ]; then cp -a "$from/." "$1/"; else cp -a "$from" "$1"; fi
    # A folder's own is made by its line (X-mount.mkdir); a file's, here.
    elif [ "$2" = new ] || [ "$2" = copy ]; then mkdir -p -m 0700 "$1"
    elif [ -e "$from" ]; then
      if [ ! -d "$from" ] && [ ! -d "\${1%/*}" ]; then mkdir -p "\${1%/*}"; fi
      if [ ! -d "$from" ] && [ ! -e "$1" ]; then : > "$1"; fi
      tab="$tab$3
"
    fi
    shift 3; count=$((count - 1))
  done
fi
# The host's shared memory and session runtime folder: empty ones of the sandbox's own, each with
# its size (one in the host's /tmp is gone already). The host folders one keeps (the working
# directory in /dev/shm) are bound back from a descriptor opened on the host's before the tmpfs
# covers it: fd 7 for the first, fd 8 for the second (their lines name them).
count=$1; shift; fd=7
while [ "$count" -gt 0 ]; do
  if [ -d "$1" ]; then
    if [ -n "$3" ] && [ "$fd" = 7 ]; then exec 7<"$1"; elif [ -n "$3" ]; then exec 8<"$1"; fi
    tab="$tab$2
"
    if [ -n "$3" ]; then tab="$tab$3
"; fi
  fi
  shift 3; count=$((count - 1)); fd=8
done
# Its own pseudo-terminals: every /dev/pts/N of the host is a terminal the runner's user may
# open (read what is typed in another window, write into it). The one it was started on stays
# reachable through its descriptors, /proc/self/fd and /dev/tty.
tab="\${tab}tollgate-pts /dev/pts devpts nosuid,newinstance,ptmxmode=0666,mode=0620 0 0
/dev/pts/ptmx /dev/ptmx none bind,nosuid 0 0
"
mount_table
exec 4<&- 7<&- 8<&-
# Read-only: the policy repository (with --gateway, the gateway's too, where it is on this
# machine). One that does not exist here is skipped: nothing reads it. Apart (see above).
count=$1; shift
while [ "$count" -gt 0 ]; do
  if [ -e "$1" ]; then mount --bind -o ro,nosuid "$1" "$1"; fi
  shift; count=$((count - 1))
done
lines_if -e "$@"; shift $((1 + 2 * $1))
# A linked gateway's state on this machine (its credentials, enrolment token, CA key): hidden as
# Tollgate's own is below, after the read-only binds, which would otherwise show it again. Empty
# and read-only: the command cannot keep memory in them.
lines_if -d "$@"; shift $((1 + 2 * $1))
exec 3<"$reveal"
tab="$tab$hideline
$revealline
"
mount_table
mount -o remount,bind,ro,nosuid "$hide"
exec 3<&-
# The host's Unix sockets cross network namespaces by path: /dev/null covers each (connecting
# to it is refused), after the folders above, which a plain bind would show again uncovered;
# another project's sandboxes' bridges, an empty folder over their sandboxes folder. One gone
# meanwhile is fine; one still there, not covered, stops.
socket_lines "$@"
mount_table 2>/dev/null || :
uncovered "$@"
shift $((1 + 2 * $1))
exec 5>&-
# A root runner's pids, cpu and memory cgroups: opened while /sys is writable, joined by the
# command's own process as it starts (see GROUP_FDS), so that the start runs at the runner's
# priority, outside the sandbox's cpu weight (at nice 10 and load 11-28: 4.3-5.2 s, not 1.2-1.5).
fds=
if [ -n "$group1" ]; then exec 3>"$group1"; fds=3; fi
if [ -n "$group2" ]; then exec 7>"$group2"; fds="$fds 7"; fi
if [ -n "$group3" ]; then exec 8>"$group3"; fds="$fds 8"; fi
# /proc read-only: a process may still read its children's /proc files, but not write their
# memory through /proc/PID/mem, which the kernel checks as ptrace access rather than as the
# (filtered) ptrace syscall. Magic links such as /proc/self/fd/N reach their targets' mounts.
mount -o remount,bind,ro,nosuid /proc
# /sys read-only, each mount below it too: sysfs and cgroup files are checked by owner and mode
# alone, so a root runner's command could write kernel knobs, a user's its delegated cgroups.
# bwrap's --ro-bind does it in one process; without it, one mount(8) each (about 1 ms apiece),
# on a copy of the tree bound over it: a mount a descriptor is open on for writing (the cgroups'
# above) cannot be made read-only in place. Each point once: both trees list it.
if [ -z "$filter" ]; then
  mount --rbind /sys /sys
  seen=
  while read -r _ _ _ _ point _; do
    case " $seen " in *" $point "*) continue ;; esac
    case $point in /sys | /sys/*) mount -o remount,bind,ro "$point"; seen="$seen $point" ;; esac
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
# The forwarder's Deno started while all this was done: the command starts once it listens,
# and never when the runner closes the gate without a word (it did not come up). Whoever waits
# there does so after bwrap, which is set up meanwhile: the confine step, started too,
# which also takes the command's bounds itself; otherwise a shell (TAKE_BOUNDS), or nice(1)
# alone with no gate and no cgroups. bwrap and the step are the start's, at the runner's priority.
if [ "$step" != step ]; then
  if [ -n "$gate$fds" ]; then set -- sh -c "$bounds" tollgate-bounds "$gate" "$fds" "$raise" "$@"
  elif [ "$raise" -gt 0 ]; then set -- nice -n "$raise" -- "$@"; fi
fi
if [ -n "$filter" ]; then
  exec "$bwrap" --dev-bind / / --ro-bind /sys /sys --cap-drop ALL --seccomp 9 -- "$@"
fi
exec setpriv --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs -- "$@"`;
