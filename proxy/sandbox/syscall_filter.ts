/**
 * The sandboxed command's syscall filter: a classic-BPF seccomp program refusing the syscalls
 * that let one process of the sandbox take over another (and a few kernel-wide attack
 * surfaces), handed to bubblewrap's `--seccomp FD`.
 *
 * @module
 */

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
];

/** `AUDIT_ARCH_*` from `linux/audit.h`: what `seccomp_data.arch` holds for each ABI. */
const AUDIT_ARCH: Record<FilterArch, number> = { x86_64: 0xc000003e, aarch64: 0xc00000b7 };
/** x86_64 syscall numbers with this bit set are the x32 ABI's: a second table to refuse. */
const X32_SYSCALL_BIT = 0x40000000;

const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
/** SECCOMP_RET_ERRNO (0x00050000) with EPERM (1). */
const SECCOMP_RET_EPERM = 0x00050001;

// Classic BPF opcodes (linux/bpf_common.h).
const LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const RET_K = 0x06; // BPF_RET | BPF_K
// Offsets in struct seccomp_data.
const DATA_NR = 0;
const DATA_ARCH = 4;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/**
 * The seccomp program for `arch`, as bubblewrap's `--seccomp FD` reads it: `struct
 * sock_filter` entries (u16 code, u8 jt, u8 jf, u32 k; little-endian, 8 bytes each). A
 * syscall from a foreign ABI (i386's `int 0x80` on x86_64, say) kills the process, as the
 * numbers below would mean other syscalls there; x32 syscalls and {@linkcode BLOCKED_SYSCALLS}
 * fail with EPERM; everything else is allowed.
 *
 * @param arch The architecture of the command (`Deno.build.arch`).
 * @returns The program's bytes.
 * @throws {RangeError} For an architecture without a filter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BLOCKED_SYSCALLS, syscallFilter } from "./syscall_filter.ts";
 *
 * const program = syscallFilter("x86_64");
 * // Load arch, check it, kill; load nr, x32 check, one check each, allow, refuse.
 * assert.equal(program.length, 8 * (4 + 1 + BLOCKED_SYSCALLS.length + 2));
 * assert.throws(() => syscallFilter("mips" as "x86_64"), RangeError);
 * ```
 */
export function syscallFilter(arch: FilterArch): Uint8Array {
  if (!Object.hasOwn(AUDIT_ARCH, arch)) {
    throw new RangeError(`No syscall filter for architecture "${arch}"`);
  }
  return encode(instructions(arch));
}

function instructions(arch: FilterArch): Instruction[] {
  const checks = [
    ...(arch === "x86_64" ? [{ code: JGE_K, k: X32_SYSCALL_BIT }] : []),
    ...BLOCKED_SYSCALLS.map((call) => ({ code: JEQ_K, k: call[arch] })),
  ];
  // Each check jumps forward to the final "refuse" on a match, past the checks after it and
  // the "allow": jt counts the instructions skipped.
  const jumps = checks.map((check, index) => ({ ...check, jt: checks.length - index, jf: 0 }));
  return [
    { code: LD_W_ABS, jt: 0, jf: 0, k: DATA_ARCH },
    { code: JEQ_K, jt: 1, jf: 0, k: AUDIT_ARCH[arch] },
    { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_KILL_PROCESS },
    { code: LD_W_ABS, jt: 0, jf: 0, k: DATA_NR },
    ...jumps,
    { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW },
    { code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_EPERM },
  ];
}

function encode(program: Instruction[]): Uint8Array {
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((instruction, index) => {
    view.setUint16(index * 8, instruction.code, true);
    view.setUint8(index * 8 + 2, instruction.jt);
    view.setUint8(index * 8 + 3, instruction.jf);
    view.setUint32(index * 8 + 4, instruction.k, true);
  });
  return bytes;
}
