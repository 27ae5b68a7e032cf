import assert from "node:assert/strict";
import {
  ARGUMENT_SYSCALLS,
  BLOCKED_SYSCALLS,
  type FilterArch,
  REFUSED_IOCTLS,
  REFUSED_SOCKETS,
  syscallFilter,
} from "./syscall_filter.ts";

const KILL = 0x80000000;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const AUDIT = { x86_64: 0xc000003e, aarch64: 0xc00000b7, i386: 0x40000003 };

/**
 * Run the classic-BPF program on a `seccomp_data` with `arch`, `nr` and the arguments' low
 * words `args`: what the kernel does.
 */
function run(program: Uint8Array, arch: number, nr: number, args: number[] = []): number {
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const word = (offset: number) =>
    offset === 0
      ? nr
      : offset === 4
      ? arch
      : offset >= 16 && offset % 8 === 0
      ? (args[(offset - 16) / 8] ?? 0)
      : NaN;
  let accumulator = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const [code, jt, jf, k] = [
      view.getUint16(pc * 8, true),
      view.getUint8(pc * 8 + 2),
      view.getUint8(pc * 8 + 3),
      view.getUint32(pc * 8 + 4, true),
    ];
    if (code === 0x20) accumulator = word(k);
    else if (code === 0x15) pc += accumulator === k ? jt : jf;
    else if (code === 0x35) pc += accumulator >= k ? jt : jf;
    else if (code === 0x45) pc += (accumulator & k) !== 0 ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unexpected opcode ${code} at ${pc}`);
  }
  throw new Error("the program ran off its end");
}

const cases: [string, FilterArch, number, number, number][] = [
  ["x86_64 ptrace", "x86_64", AUDIT.x86_64, 101, EPERM],
  ["x86_64 process_vm_readv", "x86_64", AUDIT.x86_64, 310, EPERM],
  ["x86_64 pidfd_getfd", "x86_64", AUDIT.x86_64, 438, EPERM],
  ["x86_64 mount_setattr (last)", "x86_64", AUDIT.x86_64, 442, EPERM],
  ["x86_64 read", "x86_64", AUDIT.x86_64, 0, ALLOW],
  ["x86_64 pidfd_open stays allowed", "x86_64", AUDIT.x86_64, 434, ALLOW],
  ["x86_64 memfd_create stays allowed", "x86_64", AUDIT.x86_64, 319, ALLOW],
  ["x86_64 clone3: ENOSYS, so libc falls back to clone", "x86_64", AUDIT.x86_64, 435, ENOSYS],
  ["x32 read", "x86_64", AUDIT.x86_64, 0x40000000, EPERM],
  ["x32 ptrace", "x86_64", AUDIT.x86_64, 0x40000000 + 521, EPERM],
  ["i386 int 0x80 on x86_64", "x86_64", AUDIT.i386, 26, KILL],
  ["aarch64 ptrace", "aarch64", AUDIT.aarch64, 117, EPERM],
  ["aarch64 mount", "aarch64", AUDIT.aarch64, 40, EPERM],
  ["aarch64 pidfd_getfd", "aarch64", AUDIT.aarch64, 438, EPERM],
  ["aarch64 x86_64's ptrace number (getitimer)", "aarch64", AUDIT.aarch64, 101, ALLOW],
  ["aarch64 pidfd_open stays allowed", "aarch64", AUDIT.aarch64, 434, ALLOW],
  ["aarch64 has no x32", "aarch64", AUDIT.aarch64, 0x40000000, ALLOW],
  ["x86_64 program on aarch64", "x86_64", AUDIT.aarch64, 117, KILL],
];

Deno.test("syscallFilter() decides like the kernel would, case by case", () => {
  for (const [name, arch, auditArch, nr, expected] of cases) {
    const got = run(syscallFilter(arch), auditArch, nr);
    assert.equal(got.toString(16), expected.toString(16), name);
  }
});

Deno.test("syscallFilter() refuses every listed syscall on both architectures", () => {
  for (const arch of ["x86_64", "aarch64"] as const) {
    const program = syscallFilter(arch);
    for (const call of BLOCKED_SYSCALLS) {
      assert.equal(run(program, AUDIT[arch], call[arch]), EPERM, `${arch} ${call.name}`);
    }
    assert.equal(new Set(BLOCKED_SYSCALLS.map((call) => call[arch])).size, 28, arch);
  }
});

Deno.test("syscallFilter() refuses sockets past the network namespace, new user namespaces, and typing into the terminal", () => {
  const NEWUSER = 0x10000000;
  for (const arch of ["x86_64", "aarch64"] as const) {
    const program = syscallFilter(arch);
    const call = (name: keyof typeof ARGUMENT_SYSCALLS, ...args: number[]) =>
      run(program, AUDIT[arch], ARGUMENT_SYSCALLS[name][arch], args);
    for (const { name, domain } of REFUSED_SOCKETS) {
      assert.equal(call("socket", domain, 1, 0), EPERM, `${arch} ${name}`);
    }
    assert.equal(call("socket", 2, 1, 0), ALLOW, `${arch} AF_INET`);
    assert.equal(call("socket", 1, 1, 0), ALLOW, `${arch} AF_UNIX`);
    assert.equal(call("socket", 16, 3, 0), ALLOW, `${arch} NETLINK_ROUTE`);
    assert.equal(call("socket", 16, 3, 9), EPERM, `${arch} NETLINK_AUDIT`);
    assert.equal(call("unshare", NEWUSER), EPERM, `${arch} unshare(CLONE_NEWUSER)`);
    assert.equal(call("unshare", NEWUSER | 0x40000000), EPERM, `${arch} user + net`);
    assert.equal(call("unshare", 0x00000400), ALLOW, `${arch} unshare(CLONE_FILES)`);
    assert.equal(call("clone", 0x01200011), ALLOW, `${arch} fork's clone`);
    assert.equal(call("clone", 0x01200011 | NEWUSER), EPERM, `${arch} clone(CLONE_NEWUSER)`);
    assert.equal(call("clone3"), ENOSYS, `${arch} clone3`);
    for (const { name, request } of REFUSED_IOCTLS) {
      assert.equal(call("ioctl", 0, request), EPERM, `${arch} ${name}`);
    }
    assert.equal(call("ioctl", 0, 0x5401), ALLOW, `${arch} TCGETS`);
    assert.equal(call("ioctl", 1, 0x5413), ALLOW, `${arch} TIOCGWINSZ`);
  }
});

Deno.test("syscallFilter() refuses an architecture it has no table for", () => {
  assert.throws(() => syscallFilter("riscv64" as FilterArch), /architecture "riscv64"/);
});
