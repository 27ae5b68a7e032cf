/**
 * The proxy service's OCSF log: one sandbox's events, each stamped with its sandbox, written
 * in short batches.
 *
 * @module
 */

import { join } from "node:path";
import { type OcsfEvent, OcsfLog } from "./ocsf/mod.ts";

/**
 * How long the proxy's log holds allowed decisions before writing them together (denials
 * and config events are written at once, and a denial is on record before it is answered).
 * At about 1 KB of OCSF and shorthand lines per request, the file writes cost plain-HTTP
 * forwarding more than anything but the socket writes; 20 ms makes a quarter of the write
 * calls 5 ms did (in forward-only bench runs the ratio to direct went from 0.33–0.36 to
 * about 0.43, a gain the full runs did not show above their noise; Envoy flushes its access
 * log every second). A proxy killed outright loses at most this window of allowed decisions.
 */
const LOG_BATCH_MS = 20;

/** Options of {@linkcode openSandboxLog}. */
export interface SandboxLogOptions {
  /** Tollgate's state directory; the log files go in its `logs/`. */
  stateDir: string;
  /** The sandbox every event is stamped with (`unmapped.sandbox`). */
  sandboxId: string;
  /** Start the day's next file past this size. */
  maxFileBytes?: number;
  /** Delete files older than this many days. */
  keepDays?: number;
  /** The directory's byte budget (`OcsfLogOptions.budgetBytes`). */
  budgetBytes?: number;
  /** Hears that events could not be written. */
  onTrouble?: (message: string) => void;
  /** Every event, besides the log. */
  onEvent?: (event: OcsfEvent) => void;
}

/** An open sandbox log. */
export interface SandboxLog {
  /** The directory of the log files (policy.local reads denials there). */
  logDir: string;
  /** Stamp and log `event`; resolves (never rejects) once it is written. */
  emit(event: OcsfEvent): Promise<void>;
  /** Write what is held and close the files. */
  close(): Promise<void>;
}

/** Open the OCSF log of one sandbox's proxy. */
export function openSandboxLog(options: SandboxLogOptions): SandboxLog {
  const { sandboxId, onEvent } = options;
  const logDir = join(options.stateDir, "logs");
  const log = new OcsfLog(logDir, {
    keepOpen: true,
    batchMs: LOG_BATCH_MS,
    maxFileBytes: options.maxFileBytes,
    keepDays: options.keepDays,
    budgetBytes: options.budgetBytes,
    onTrouble: options.onTrouble,
  });
  // Held events share their batch's promise: one never-rejecting copy per batch, not per event.
  let appended: Promise<void> = Promise.resolve();
  let recorded: Promise<void> = appended;
  const emit = (event: OcsfEvent) => {
    // Proxies of several sandboxes may share one log: each event names its sandbox. Stamped in
    // place: every producer builds a fresh event for this call, and a copy cost two objects
    // (one of two dozen fields) per logged request.
    (event.unmapped ??= {}).sandbox = sandboxId;
    const appending = log.append(event);
    if (appending !== appended) {
      appended = appending;
      recorded = appending.catch(() => {});
    }
    onEvent?.(event);
    return recorded;
  };
  return { logDir, emit, close: () => log.close() };
}
