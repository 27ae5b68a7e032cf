/**
 * A tiny classic-BPF assembler for the sandbox's seccomp program: instructions whose jumps
 * name labels, resolved to the forward offsets the kernel wants, and encoded as `struct
 * sock_filter` entries (u16 code, u8 jt, u8 jf, u32 k; little-endian, 8 bytes each).
 *
 * @module
 */

/** Classic BPF opcodes (linux/bpf_common.h) the program uses. */
export const OP = {
  /** BPF_LD | BPF_W | BPF_ABS: load the 32-bit word at offset k of `seccomp_data`. */
  load: 0x20,
  /** BPF_JMP | BPF_JEQ | BPF_K */
  jumpIfEqual: 0x15,
  /** BPF_JMP | BPF_JGE | BPF_K */
  jumpIfAtLeast: 0x35,
  /** BPF_JMP | BPF_JSET | BPF_K: jump if any bit of k is set. */
  jumpIfAnyBit: 0x45,
  /** BPF_RET | BPF_K */
  return: 0x06,
} as const;

/** One instruction; `jt`/`jf` name the label to go to (default: the next instruction). */
export interface Step {
  code: number;
  k?: number;
  jt?: string;
  jf?: string;
  /** Names this instruction, for jumps to it. */
  label?: string;
}

/**
 * Resolve the labels of `steps` (every jump goes forward, at most 255 instructions) and
 * encode the program.
 *
 * @throws {RangeError} For an unknown label, a backward jump or one too far.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assemble, OP } from "./_bpf.ts";
 *
 * const program = assemble([
 *   { code: OP.load, k: 0 },
 *   { code: OP.jumpIfEqual, k: 101, jt: "refuse" },
 *   { code: OP.return, k: 0x7fff0000 },
 *   { code: OP.return, k: 0x00050001, label: "refuse" },
 * ]);
 * assert.equal(program.length, 32);
 * assert.equal(program[8 + 2], 1); // jt skips the "allow"
 * assert.throws(() => assemble([{ code: OP.return, jt: "nowhere" }]), RangeError);
 * ```
 */
export function assemble(steps: Step[]): Uint8Array {
  const at = new Map(steps.flatMap((step, index) => step.label ? [[step.label, index]] : []));
  const offset = (from: number, label: string | undefined) => {
    if (label === undefined) return 0;
    const to = at.get(label);
    const distance = to === undefined ? -1 : to - from - 1;
    if (distance < 0 || distance > 255) {
      throw new RangeError(`Cannot jump from instruction ${from} to "${label}"`);
    }
    return distance;
  };
  const bytes = new Uint8Array(steps.length * 8);
  const view = new DataView(bytes.buffer);
  steps.forEach((step, index) => {
    view.setUint16(index * 8, step.code, true);
    view.setUint8(index * 8 + 2, offset(index, step.jt));
    view.setUint8(index * 8 + 3, offset(index, step.jf));
    view.setUint32(index * 8 + 4, step.k ?? 0, true);
  });
  return bytes;
}
