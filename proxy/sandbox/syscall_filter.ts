/**
 * The sandboxed command's syscall filter: a classic-BPF seccomp program refusing the syscalls
 * that let one process of the sandbox take over another, the sockets that lead past its network
 * namespace, new user namespaces and a few kernel-wide attack surfaces, handed to bubblewrap's
 * `--seccomp FD`.
 *
 * @module
 */

import { assemble, OP, type Step } from "./_bpf.ts";

/** The CPU architectures the filter is built for (those Deno runs on under Linux). */
export type FilterArch = "x86_64" | "aarch64";

/** A refused syscall, its number on each architecture, and why it is refused. */
export interface BlockedSyscall {
  /** The syscall's name, as in `unistd.h` without `__NR_`. */
  name: string;
  /** Its number on x86_64 (64-bit ABI). */
  x86_64: number;
  /** Its number on aarch64. */
  aarch64: number;
  /** Why the sandbox refuses it. */
  why: string;
}

const TAKEOVER = "one sandbox process taking over another (its memory, its sockets)";
const KERNEL = "a large kernel attack surface no tool of an agent needs";
const MODULES = "loading kernel code";
const MOUNTS = "changing mounts, which would uncover Tollgate's hidden state";
const KEYRING = "the kernel keyring, which no namespace separates from the runner's";

/**
 * The syscalls the filter refuses with EPERM. Numbers from
 * `/usr/include/x86_64-linux-gnu/asm/unistd_64.h` (x86_64) and
 * `/usr/include/asm-generic/unistd.h` (aarch64 uses the generic table).
 *
 * Not refused, on purpose: `pidfd_open` and `memfd_create` (Python's asyncio, Chromium and V8
 * use them); `pidfd_getfd` alone stops taking another process's file descriptors.
 */
export const BLOCKED_SYSCALLS: readonly BlockedSyscall[] = [
  // Every process of the sandbox has the same uid and no capabilities, so the kernel lets
  // them trace one another: refused, or a hostile process could run an allowed binary and then
  // drive it (ptrace), rewrite its memory or steal the connection the proxy attributed to it.
  { name: "ptrace", x86_64: 101, aarch64: 117, why: TAKEOVER },
  { name: "process_vm_readv", x86_64: 310, aarch64: 270, why: TAKEOVER },
  { name: "process_vm_writev", x86_64: 311, aarch64: 271, why: TAKEOVER },
  { name: "pidfd_getfd", x86_64: 438, aarch64: 438, why: TAKEOVER },
  // Interfaces with a long record of privilege escalations, unused by ordinary tools.
  { name: "bpf", x86_64: 321, aarch64: 280, why: KERNEL },
  { name: "userfaultfd", x86_64: 323, aarch64: 282, why: KERNEL },
  { name: "perf_event_open", x86_64: 298, aarch64: 241, why: KERNEL },
  { name: "io_uring_setup", x86_64: 425, aarch64: 425, why: KERNEL },
  // Kernel code: refused without capabilities already; refused here whatever the kernel says.
  { name: "kexec_load", x86_64: 246, aarch64: 104, why: MODULES },
  { name: "kexec_file_load", x86_64: 320, aarch64: 294, why: MODULES },
  { name: "init_module", x86_64: 175, aarch64: 105, why: MODULES },
  { name: "finit_module", x86_64: 313, aarch64: 273, why: MODULES },
  { name: "delete_module", x86_64: 176, aarch64: 106, why: MODULES },
  // Opens any file by handle, bypassing the path walk (the mounts that hide the state).
  { name: "open_by_handle_at", x86_64: 304, aarch64: 265, why: MOUNTS },
  // Mounts and namespaces: the command must keep the mounts it was given, in its namespaces.
  { name: "mount", x86_64: 165, aarch64: 40, why: MOUNTS },
  { name: "umount2", x86_64: 166, aarch64: 39, why: MOUNTS },
  { name: "pivot_root", x86_64: 155, aarch64: 41, why: MOUNTS },
  { name: "setns", x86_64: 308, aarch64: 268, why: MOUNTS },
  { name: "fsopen", x86_64: 430, aarch64: 430, why: MOUNTS },
  { name: "fsconfig", x86_64: 431, aarch64: 431, why: MOUNTS },
  { name: "fsmount", x86_64: 432, aarch64: 432, why: MOUNTS },
  { name: "fspick", x86_64: 433, aarch64: 433, why: MOUNTS },
  { name: "move_mount", x86_64: 429, aarch64: 429, why: MOUNTS },
  { name: "open_tree", x86_64: 428, aarch64: 428, why: MOUNTS },
  { name: "mount_setattr", x86_64: 442, aarch64: 442, why: MOUNTS },
  // The command inherits the runner's session keyring (Kerberos tickets, an encrypted home's
  // keys, tokens cached with keyctl) across every namespace; Docker's default profile too
  // refuses these three.
  { name: "add_key", x86_64: 248, aarch64: 217, why: KEYRING },
  { name: "request_key", x86_64: 249, aarch64: 218, why: KEYRING },
  { name: "keyctl", x86_64: 250, aarch64: 219, why: KEYRING },
];

/** A socket family the command may not open, and why. */
export interface RefusedSocket {
  /** `AF_*`. */
  name: string;
  /** Its number (the same on every Linux architecture). */
  domain: number;
  /** Why the sandbox refuses it. */
  why: string;
}

/**
 * Socket families refused with EPERM. A network namespace does not hold them, so they would
 * be ways out beside the proxy. `AF_NETLINK` is allowed only for `NETLINK_ROUTE` (protocol 0:
 * `getifaddrs()`, which Node, Python and Go call at start-up); its other protocols (audit,
 * uevents, socket diagnostics...) are refused.
 */
export const REFUSED_SOCKETS: readonly RefusedSocket[] = [
  { name: "AF_VSOCK", domain: 40, why: "a virtual machine's channel to its host, past the proxy" },
  { name: "AF_BLUETOOTH", domain: 31, why: "radio devices, past the proxy" },
  { name: "AF_PACKET", domain: 17, why: "raw frames below the network stack" },
];
const AF_NETLINK = 16;

/**
 * Syscalls refused only with some arguments, by number on each architecture: `socket` (see
 * {@linkcode REFUSED_SOCKETS}), and `unshare` and `clone` asking for a new user namespace
 * (`CLONE_NEWUSER`): inside one a process gets every capability over new network and mount
 * namespaces, the kernel surface most privilege escalations start from. `clone3` takes its
 * flags in memory a filter cannot read, so it fails with ENOSYS, and C libraries fall back to
 * `clone`.
 */
export const ARGUMENT_SYSCALLS = {
  socket: { x86_64: 41, aarch64: 198 },
  ioctl: { x86_64: 16, aarch64: 29 },
  unshare: { x86_64: 272, aarch64: 97 },
  clone: { x86_64: 56, aarch64: 220 },
  clone3: { x86_64: 435, aarch64: 435 },
} as const;
const CLONE_NEWUSER = 0x10000000;

/**
 * Terminal requests refused with EPERM: the command shares the runner's terminal, and these
 * put characters into its input as if typed (`TIOCSTI`), or paste a console selection
 * (`TIOCLINUX`), which the user's shell would read and run after the sandbox ends.
 */
export const REFUSED_IOCTLS = [
  { name: "TIOCSTI", request: 0x5412 },
  { name: "TIOCLINUX", request: 0x541c },
] as const;

/** `AUDIT_ARCH_*` from `linux/audit.h`: what `seccomp_data.arch` holds for each ABI. */
const AUDIT_ARCH: Record<FilterArch, number> = { x86_64: 0xc000003e, aarch64: 0xc00000b7 };
/** x86_64 syscall numbers with this bit set are the x32 ABI's: a second table to refuse. */
const X32_SYSCALL_BIT = 0x40000000;

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
/** SECCOMP_RET_ERRNO (0x00050000) with EPERM (1), and with ENOSYS (38). */
const SECCOMP_RET_EPERM = 0x00050001;
const SECCOMP_RET_ENOSYS = 0x00050026;

/** Offsets in `struct seccomp_data`: nr, arch, then the arguments' low words (little-endian). */
const DATA_NR = 0;
const DATA_ARCH = 4;
const dataArg = (index: number) => 16 + 8 * index;

/**
 * The seccomp program for `arch`, as bubblewrap's `--seccomp FD` reads it (`struct
 * sock_filter` entries). A syscall from a foreign ABI (i386's `int 0x80` on x86_64, say) kills
 * the process, as the numbers below would mean other syscalls there; x32 syscalls,
 * {@linkcode BLOCKED_SYSCALLS}, {@linkcode REFUSED_SOCKETS}, {@linkcode REFUSED_IOCTLS} and new
 * user namespaces fail with
 * EPERM, `clone3` with ENOSYS; everything else is allowed.
 *
 * @param arch The architecture of the command (`Deno.build.arch`).
 * @returns The program's bytes.
 * @throws {RangeError} For an architecture without a filter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syscallFilter } from "./syscall_filter.ts";
 *
 * assert.equal(syscallFilter("x86_64").length % 8, 0);
 * assert.throws(() => syscallFilter("mips" as "x86_64"), RangeError);
 * ```
 */
export function syscallFilter(arch: FilterArch): Uint8Array {
  if (!Object.hasOwn(AUDIT_ARCH, arch)) {
    throw new RangeError(`No syscall filter for architecture "${arch}"`);
  }
  return assemble(steps(arch));
}

function steps(arch: FilterArch): Step[] {
  const nr = (call: keyof typeof ARGUMENT_SYSCALLS) => ARGUMENT_SYSCALLS[call][arch];
  const ret = (label: string, k: number): Step => ({ code: OP.return, k, label });
  return [
    { code: OP.load, k: DATA_ARCH },
    { code: OP.jumpIfEqual, k: AUDIT_ARCH[arch], jf: "kill" },
    { code: OP.load, k: DATA_NR },
    ...(arch === "x86_64" ? [{ code: OP.jumpIfAtLeast, k: X32_SYSCALL_BIT, jt: "eperm" }] : []),
    ...BLOCKED_SYSCALLS.map((call) => ({ code: OP.jumpIfEqual, k: call[arch], jt: "eperm" })),
    { code: OP.jumpIfEqual, k: nr("socket"), jt: "socket" },
    { code: OP.jumpIfEqual, k: nr("ioctl"), jt: "ioctl" },
    { code: OP.jumpIfEqual, k: nr("unshare"), jt: "flags" },
    { code: OP.jumpIfEqual, k: nr("clone"), jt: "flags" },
    { code: OP.jumpIfEqual, k: nr("clone3"), jt: "enosys" },
    { code: OP.return, k: SECCOMP_RET_ALLOW },
    // socket(domain, type, protocol)
    { code: OP.load, k: dataArg(0), label: "socket" },
    ...REFUSED_SOCKETS.map((s) => ({ code: OP.jumpIfEqual, k: s.domain, jt: "eperm" })),
    { code: OP.jumpIfEqual, k: AF_NETLINK, jf: "allow" },
    { code: OP.load, k: dataArg(2) },
    { code: OP.jumpIfEqual, k: 0, jt: "allow", jf: "eperm" },
    // ioctl(fd, request, ...): the kernel reads request as 32 bits, the low word alone.
    { code: OP.load, k: dataArg(1), label: "ioctl" },
    ...REFUSED_IOCTLS.map((i) => ({ code: OP.jumpIfEqual, k: i.request, jt: "eperm" })),
    { code: OP.return, k: SECCOMP_RET_ALLOW },
    // unshare(flags), clone(flags, ...)
    { code: OP.load, k: dataArg(0), label: "flags" },
    { code: OP.jumpIfAnyBit, k: CLONE_NEWUSER, jt: "eperm", jf: "allow" },
    ret("allow", SECCOMP_RET_ALLOW),
    ret("enosys", SECCOMP_RET_ENOSYS),
    ret("eperm", SECCOMP_RET_EPERM),
    ret("kill", SECCOMP_RET_KILL_PROCESS),
  ];
}
