/**
 * The libc functions the identity lookups call through FFI, behind one lazily opened handle
 * per resolver (and one per scan worker: a handle belongs to the isolate that opened it).
 * Without FFI (no `--allow-ffi`, or no glibc) the callers take their slower portable paths.
 *
 * @module
 */

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  openat: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  readlinkat: { parameters: ["i32", "buffer", "buffer", "usize"], result: "isize" },
  // glibc 2.28 and later; without it the procfs reads list a directory instead.
  statx: {
    parameters: ["i32", "buffer", "i32", "u32", "buffer"],
    result: "i32",
    optional: true,
  },
  // Variadic in C; every argument is passed as a long, as the kernel's wrapper reads them.
  syscall: { parameters: ["i64", "i64", "buffer", "i64"], result: "i64" },
} as const;

/** The libc functions of {@linkcode LazyLibc}, callable from JavaScript. */
export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Opens libc; undefined when FFI is not permitted or the library is missing. */
export type LibcOpener = () => Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

/**
 * libc, opened at the first use and released by {@linkcode LazyLibc.close}. Opening lazily
 * keeps a resolver that never looks anything up free of an open library.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LazyLibc } from "./_libc.ts";
 *
 * const libc = new LazyLibc();
 * assert.ok(libc.symbols() !== undefined); // doc tests run with -A, and Linux has glibc
 * libc.close();
 * assert.equal(libc.symbols(), undefined); // closed for good
 * assert.equal(new LazyLibc(() => undefined).symbols(), undefined); // as without FFI
 * ```
 */
export class LazyLibc {
  #open: LibcOpener;
  // undefined: not opened yet; null: unavailable or closed.
  #library: Deno.DynamicLibrary<typeof SYMBOLS> | undefined | null;

  /** @param open Opens the library (a test passes one that fails, as without FFI). */
  constructor(open: LibcOpener = openLibc) {
    this.#open = open;
  }

  /** The functions, opening libc at the first call; undefined without FFI or once closed. */
  symbols(): LibcSymbols | undefined {
    if (this.#library === undefined) this.#library = this.#open() ?? null;
    return this.#library?.symbols;
  }

  /** Release the library; later calls to {@linkcode LazyLibc.symbols} answer undefined. */
  close(): void {
    this.#library?.close();
    this.#library = null;
  }
}

function openLibc(): Deno.DynamicLibrary<typeof SYMBOLS> | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    return Deno.dlopen("libc.so.6", SYMBOLS);
  } catch {
    return undefined;
  }
}
