/**
 * The options of `RemoteSync.open` and their defaults.
 *
 * @module
 */

/** Options of `RemoteSync.open`. */
export interface RemoteSyncOptions {
  /** The policies directory: inside a clone of the remote, or missing/empty (it is cloned). */
  policiesDir: string;
  /** Any Git remote URL (`file://`, `git://`, `http(s)://`, ssh). */
  url: string;
  /** The shared branch. */
  branch?: string;
  /** Fetch period, in ms, the fallback when no change signal comes (0: none). */
  fetchIntervalMs?: number;
  /** Attempts of one decision against a moving branch before it gives up. */
  retries?: number;
  /** Deadline of each fetch or push, in ms (a clone gets 12 times as long). */
  timeoutMs?: number;
  /** Wraps each decision attempt (the gateway holds its push to proxies until it is final). */
  around?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Called after the work tree moved to a newer remote state. */
  changed?: () => void;
  /** Told about background failures and recoveries: one line, no credentials. */
  report?: (message: string) => void;
}

const defaults = {
  branch: "main",
  fetchIntervalMs: 5_000,
  retries: 5,
  timeoutMs: 5_000,
  around: <T>(fn: () => Promise<T>) => fn(),
  changed: () => {},
  report: (_: string) => {},
};

/**
 * `options` with every missing (or undefined) option at its default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withDefaults } from "./remote_sync_options.ts";
 * assert.equal(withDefaults({ policiesDir: "p", url: "file:///r.git" }).branch, "main");
 * ```
 */
export function withDefaults(options: RemoteSyncOptions): Required<RemoteSyncOptions> {
  // An option given as undefined keeps its default.
  const given = Object.entries(options).filter(([, v]) => v !== undefined);
  return { ...defaults, ...Object.fromEntries(given) } as Required<RemoteSyncOptions>;
}
