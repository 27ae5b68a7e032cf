/**
 * The CPU time of the calling thread, through libc's `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`:
 * the identity rows report what a lookup cost the event loop's thread apart from how long it
 * waited for a CPU (under load the wall time is mostly the scheduler's).
 *
 * @module
 */

// Linux's clock id for the calling thread's CPU time.
const CLOCK_THREAD_CPUTIME_ID = 3;

/** A reader of this thread's CPU time in µs; `close` releases libc. */
export interface ThreadCpuClock {
  /** CPU time this thread has run, in µs. */
  nowUs(): number;
  /** Release the library. */
  close(): void;
}

/**
 * This thread's CPU clock, or undefined where it cannot be read (no FFI, not Linux).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { threadCpuClock } from "./thread_cpu.ts";
 *
 * const clock = threadCpuClock()!; // doc tests run with -A on Linux
 * const before = clock.nowUs();
 * for (let i = 0, until = performance.now() + 5; performance.now() < until; i++);
 * assert.ok(clock.nowUs() - before >= 1000); // 5 ms of wall spent spinning is CPU time
 * clock.close();
 * ```
 */
export function threadCpuClock(): ThreadCpuClock | undefined {
  if (Deno.build.os !== "linux") return undefined;
  let library;
  try {
    library = Deno.dlopen("libc.so.6", {
      clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
    });
  } catch {
    return undefined;
  }
  // struct timespec: tv_sec and tv_nsec, two 64-bit fields on the architectures Deno ships for.
  const timespec = new BigInt64Array(2);
  return {
    nowUs() {
      library.symbols.clock_gettime(CLOCK_THREAD_CPUTIME_ID, timespec);
      return Number(timespec[0]!) * 1e6 + Number(timespec[1]!) / 1000;
    },
    close: () => library.close(),
  };
}
