import assert from "node:assert/strict";
import { BLOCKED_SYSCALLS, type FilterArch, syscallFilter } from "./syscall_filter.ts";

const KILL = 0x80000000;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const AUDIT = { x86_64: 0xc000003e, aarch64: 0xc00000b7, i386: 0x40000003 };

/** Run the classic-BPF program on a `seccomp_data` with `arch` and `nr`: what the kernel does. */
function run(program: Uint8Array, arch: number, nr: number): number {
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  let accumulator = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const [code, jt, jf, k] = [
      view.getUint16(pc * 8, true),
      view.getUint8(pc * 8 + 2),
      view.getUint8(pc * 8 + 3),
      view.getUint32(pc * 8 + 4, true),
    ];
    if (code === 0x20) accumulator = k === 4 ? arch : k === 0 ? nr : NaN;
    else if (code === 0x15) pc += accumulator === k ? jt : jf;
    else if (code === 0x35) pc += accumulator >= k ? jt : jf;
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
  ["x86_64 clone3", "x86_64", AUDIT.x86_64, 435, ALLOW],
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
    assert.equal(new Set(BLOCKED_SYSCALLS.map((call) => call[arch])).size, 25, arch);
  }
});

Deno.test("syscallFilter() refuses an architecture it has no table for", () => {
  assert.throws(() => syscallFilter("riscv64" as FilterArch), /architecture "riscv64"/);
});
