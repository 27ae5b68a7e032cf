/**
 * The sandbox runner: run a command whose only way out is a Tollgate proxy. In netns mode the
 * command lives in a private network namespace where the only reachable endpoint is the proxy,
 * bridged over a Unix socket that carries each client's identity; in env mode only the proxy
 * variables are set, and nothing is enforced.
 *
 * ## How netns mode is built
 *
 * 1. `UnixBridge` listens on `STATE/sandboxes/<id>/proxy.sock` (directory 0700, socket 0600).
 * 2. `unshare --user --map-root-user --net` then `unshare --net` (the first namespace only sizes
 *    the second's own TCP table, see `_forwarder_process.ts`) start the forwarder
 *    (`netns_forwarder.ts`, a Deno process allowed only its port, the socket and `kill`);
 *    `ip link set lo up` first. It gets the 256-bit bridge secret on standard input and
 *    listens on `127.0.0.1:3128`.
 * 3. As soon as the namespaces exist (the forwarder's `ns PID` line, before its Deno starts),
 *    `nsenter` joins them and `unshare --pid --fork --kill-child --mount-proc` gives
 *    the command its own PID and mount namespace; its setup runs while the forwarder starts,
 *    and the command waits at a gate (a FIFO) until the runner writes `go` there once the
 *    forwarder listens (a forwarder that fails: the gate closes, the command never runs); the
 *    confine step, when there is one (Perl, else Deno), is the one waiting, started meanwhile.
 *    There `STATE` is covered by an empty tmpfs
 *    (only this sandbox's `public/` CA files are shown again, read-only), the policy directory
 *    is bind-mounted read-only. `bwrap --cap-drop ALL --seccomp 9` (bubblewrap, where it is
 *    installed) drops every capability, sets no_new_privs and loads the syscall filter
 *    (`syscallFilter()`: ptrace, process_vm_readv/writev, pidfd_getfd, mounts, module loading,
 *    vsock and other sockets past the network namespace, new user namespaces and a few kernel
 *    attack surfaces are refused) before the command runs; it stays above the
 *    command as the namespace's init. Without bubblewrap, `setpriv` drops the capabilities (the
 *    bounding set too) and sets no_new_privs, and the confine step (`confineStep()`) loads the
 *    same filter. With a `filesystem_policy` that step applies Landlock too.
 * 4. Per client: the forwarder sends `TG1 <secret> <source port>`, the runner checks the
 *    secret, finds the socket in `/proc/<forwarder>/net/tcp` and its owner in `/proc`, cuts the
 *    ancestry at the sandbox boundary (the resolver's `boundary`) and hands the socket to the proxy.
 *
 * ## Can a process inside forge another's identity?
 *
 * - It cannot claim a port over the bridge: the socket file is hidden from it, and a
 *   connection made through any other path to that file is refused without the secret, which
 *   exists only in the runner's and the forwarder's memory (never in argv or the environment).
 *   Nor does it inherit the runner's listening socket, whose connections carry that secret:
 *   Deno's `node:net` leaves a Unix listener inheritable, so the bridge marks it close-on-exec
 *   before anything is spawned.
 *   Without capabilities it cannot unmount the tmpfs, ptrace or read `/proc/PID/mem` of the
 *   forwarder (the kernel wants CAP_SYS_PTRACE or a superset of the forwarder's capabilities),
 *   and its own `/proc` does not even list the forwarder.
 * - Through the forwarder, each connection is attributed from the kernel's own source port of
 *   that connection, looked up while the connection is open: a process is only ever matched to
 *   sockets it holds. A socket held by several processes that are not the same requester
 *   (python that passed it to a `curl` it started, fd passing) is refused as
 *   `ambiguous_identity`; processes forked without `exec` are one requester and are served.
 *   A holder that closes its copy before the lookup is no longer a holder: it is not seen.
 * - It cannot take over another sandbox process after the proxy identified it (every one has
 *   the same uid): `ptrace`, `process_vm_writev` and `pidfd_getfd` are refused by the syscall
 *   filter, and writing its memory through `/proc/PID/mem`
 *   (which the kernel checks as ptrace access, not as the syscall) by a read-only `/proc`.
 * - Residual, by design of binary identity (OpenShell shares it): identity is the executable's
 *   path. A process that may run an allowed binary can borrow its rights by choosing that
 *   binary's arguments, configuration, environment (`LD_PRELOAD`) or input.
 *
 * ## What netns mode does not stop
 *
 * - Unix sockets cross network namespaces by path (abstract ones do not). Those bound on the
 *   host when the command starts are covered by `/dev/null` (`host_ipc.ts`; other projects'
 *   sandbox bridges by an empty folder over their `sandboxes` folder), and `/dev/shm` and
 *   the runner's runtime folder are tmpfs of the sandbox's own, and so is `/tmp` under a
 *   `filesystem_policy` (`private_tmp.ts`); a socket bound later elsewhere (a home folder, the
 *   host's `/tmp` without one) is reachable, and Landlock does not refuse connecting to it.
 * - Files, without a `filesystem_policy`: the command has the runner's uid on the host (uid 0
 *   inside maps to it). Apart from `STATE` and the policy directory it can change whatever
 *   that user can — a `.git` enclosing the policy directory included. With one, Landlock
 *   (`filesystem_plan.ts`, `confine_exec.ts`) limits it to the listed paths. Run the sandbox
 *   as an unprivileged user: a root runner means a command that, even without capabilities,
 *   owns every root-owned file that it may reach.
 * - If the runner is killed with SIGKILL, the forwarder sees its standard input end and kills
 *   the command's namespace; with `unshare`'s `--kill-child`, nothing stays behind.
 *
 * @module
 */

export { runSandbox } from "./run_sandbox.ts";
export { bridgePathProblem } from "./bridge_path_problem.ts";
export type { NoticeOptions } from "./isolation_notice.ts";
export { BLOCKED_SYSCALLS, syscallFilter } from "./syscall_filter.ts";
export type { BlockedSyscall, FilterArch, RefusedSocket } from "./syscall_filter.ts";
export { capturePorts } from "./capture_ports.ts";
export { probeLandlock } from "./filesystem_plan.ts";
export type { FilesystemPlan, FilesystemSections } from "./filesystem_plan.ts";
export { confineStep } from "./confine_step.ts";
export type { StdioProbe } from "./stdio_terminals.ts";
export type { ConfineStepOptions, Spawned } from "./confine_step.ts";
export { reaches } from "./filesystem_rules.ts";
export type { FilesystemContext, FilesystemRules } from "./filesystem_rules.ts";
export type { ConfineSpec } from "./confine_exec.ts";
export type { RunSandboxOptions } from "./run_sandbox.ts";
export { chooseIsolation, detectIsolation } from "./detect_isolation.ts";
export type {
  ChooseOptions,
  IsolateMode,
  Isolation,
  IsolationChoice,
  ProbeOptions,
} from "./detect_isolation.ts";
export { forgetNetns, netnsRemembered, rememberNetns } from "./netns_probe_cache.ts";
export { checkPassedEnv } from "./sandbox_env.ts";
export type { SandboxEnvOptions } from "./sandbox_env.ts";
export type { CaBundleOptions } from "./ca_bundle.ts";
export { NetnsSandbox } from "./netns_sandbox.ts";
export {
  cgroupOf,
  DEFAULT_MAX_PROCESSES,
  DEFAULT_NICE,
  defaultMaxMemoryMb,
  sandboxLimits,
} from "./sandbox_limits.ts";
export type { LimitsInput, SandboxLimits, SpawnLimits } from "./sandbox_limits.ts";
export { tmpfsBounds } from "./tmpfs_bounds.ts";
export type { TmpfsBounds } from "./tmpfs_bounds.ts";
export type { HostIpc, PrivateDir } from "./host_ipc.ts";
export type { PrivateTmpInput, TmpPath } from "./private_tmp.ts";
export type {
  FileBind,
  NetnsSpawnOptions,
  NetnsStartOptions,
  SyscallFilterFiles,
} from "./netns_sandbox.ts";
export { UnixBridge } from "./unix_bridge.ts";
export type { BridgeHandler, BridgePeer, UnixBridgeOptions } from "./unix_bridge.ts";
export type { IdentityThunk, SandboxProxy } from "./sandbox_proxy.ts";
