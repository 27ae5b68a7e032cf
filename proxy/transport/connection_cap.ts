/**
 * How many client connections a proxy may serve at once, given its open-file limit: every
 * tunnel costs two descriptors (client and upstream), and the process needs some of its own.
 *
 * @module
 */

/**
 * Descriptors kept for everything but client connections: the runtime's own (about 30 at
 * start: epoll, event fds, caches, stdio), the log files, the policy watcher, `/proc` reads
 * for requester identity. Idle upstream connections share what is left with client connections
 * (`descriptorBudget()`).
 */
const RESERVE_BASE = 48;

/**
 * The soft "Max open files" limit of this process, read from `/proc/self/limits` (Deno has
 * no `getrlimit`), or undefined when it cannot be read or is unlimited.
 *
 * @param limitsText The text of a `/proc/<pid>/limits` file; this process's own by default.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDescriptorLimit } from "./connection_cap.ts";
 * const text = "Limit  Soft Limit  Hard Limit  Units\nMax open files  1024  4096  files\n";
 * assert.equal(readDescriptorLimit(text), 1024);
 * ```
 */
export function readDescriptorLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/proc/self/limits");
    } catch {
      return undefined;
    }
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  const value = Number(soft);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * The connection cap: the configured maximum, lowered so that every admitted connection can
 * also open its upstream connection without running the process out of descriptors
 * (`floor((limit - reserve) / 2)`, the reserve being 48 plus a sixteenth of the limit), and
 * never below 1.
 *
 * @param maxConnections The configured cap (`--max-connections`).
 * @param descriptorLimit The soft open-file limit; undefined means unknown (no lowering).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectionCap } from "./connection_cap.ts";
 * assert.equal(connectionCap(512, 1024), 456);
 * assert.equal(connectionCap(512, 65536), 512);
 * ```
 */
export function connectionCap(maxConnections: number, descriptorLimit?: number): number {
  if (descriptorLimit === undefined) return maxConnections;
  const fitting = Math.floor(descriptorBudget(descriptorLimit) / 2);
  return Math.max(1, Math.min(maxConnections, fitting));
}

/**
 * The descriptors left for connections, two per client connection (its own and its upstream
 * one) and one per idle upstream connection: the limit less the reserve (48 plus a sixteenth).
 *
 * @param descriptorLimit The soft open-file limit; undefined means unknown (no bound).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { descriptorBudget } from "./connection_cap.ts";
 * assert.equal(descriptorBudget(1024), 912); // 1024 - 48 - 64
 * assert.equal(descriptorBudget(undefined), Infinity);
 * ```
 */
export function descriptorBudget(descriptorLimit: number | undefined): number {
  if (descriptorLimit === undefined) return Infinity;
  return descriptorLimit - RESERVE_BASE - Math.floor(descriptorLimit / 16);
}
