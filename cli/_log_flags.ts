/**
 * The OCSF log flags of every command that runs a proxy (`proxy`, `up`, `sandbox run`):
 * rotation, retention by age, the directory's byte budget and the pace, and their parser.
 *
 * @module
 */

import { UsageError } from "./context.ts";
import { parsePositiveInt } from "./_flags.ts";
import { DEFAULT_AUDIT_PACE } from "../proxy/rate/mod.ts";
import { DEFAULT_LOG_BUDGET_BYTES } from "../proxy/ocsf/mod.ts";

const MB = 1024 * 1024;

/** Flags of every command that runs a proxy: OCSF log rotation and retention. */
export const LOG_FLAGS = {
  maxMb: [
    "--log-max-mb <mb>",
    "start a new OCSF log file once the current one reaches this many MB",
    "256",
  ],
  keepDays: ["--log-keep-days <days>", "delete OCSF log files older than this many days", "14"],
  budgetMb: [
    "--log-budget-mb <mb>",
    "past this many MB of OCSF log files in the directory, delete the oldest allowed-event files (denials kept); 0 for no budget",
    String(DEFAULT_LOG_BUDGET_BYTES / MB),
  ],
  rateKb: [
    "--log-rate-kb <kb>",
    "OCSF log KB the proxy's decisions may write per second (16 s of it at once); past it, its next decision waits (default: no pace)",
  ],
} as const;

/** `sandbox run`'s `--log-rate-kb`: a sandbox's own proxy keeps a pace by default. */
export const SANDBOX_LOG_RATE_FLAG = [
  "--log-rate-kb <kb>",
  "OCSF log KB the sandbox's decisions may write per second (16 s of it at once); past it, its next decision waits",
  String(DEFAULT_AUDIT_PACE.bytesPerSecond / 1024),
] as const;

/**
 * The proxy service's log options from the `--log-*` flags (`LOG_FLAGS`, `--log-rate-kb`).
 *
 * @throws {UsageError} When one is not a positive whole number (the budget: or 0) (exit 2).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLogFlags } from "./_log_flags.ts";
 * const flags = { logMaxMb: "1", logKeepDays: "2", logBudgetMb: "0", logRateKb: "4" };
 * assert.deepEqual(parseLogFlags(flags), {
 *   logMaxBytes: 1024 * 1024, logKeepDays: 2, logBudgetBytes: 0,
 *   auditPace: { bytesPerSecond: 4096, burstBytes: 16 * 4096 },
 * });
 * // A shared proxy keeps no pace unless given one; a sandbox's own proxy keeps the default.
 * assert.equal(parseLogFlags({ logMaxMb: "1", logKeepDays: "2" }).auditPace, undefined);
 * import { DEFAULT_AUDIT_PACE } from "../proxy/rate/mod.ts";
 * import { SANDBOX_LOG_RATE_FLAG } from "./_log_flags.ts";
 * const sandbox = { logMaxMb: "1", logKeepDays: "2", logRateKb: SANDBOX_LOG_RATE_FLAG[2] };
 * assert.deepEqual(parseLogFlags(sandbox).auditPace, DEFAULT_AUDIT_PACE);
 * ```
 */
export function parseLogFlags(
  options: { logMaxMb: string; logKeepDays: string; logBudgetMb?: string; logRateKb?: string },
): LogOptions {
  const logs: LogOptions = {
    logMaxBytes: parsePositiveInt(options.logMaxMb, "--log-max-mb") * MB,
    logKeepDays: parsePositiveInt(options.logKeepDays, "--log-keep-days"),
  };
  const budget = options.logBudgetMb; // "0" is a choice: no budget.
  if (budget === undefined) return withPace(logs, options.logRateKb);
  if (!/^[0-9]{1,9}$/.test(budget)) {
    throw new UsageError(
      `Invalid --log-budget-mb "${budget}": expected MB as a whole number (0: none)`,
    );
  }
  return withPace({ ...logs, logBudgetBytes: Number(budget) * MB }, options.logRateKb);
}

function withPace(logs: LogOptions, rateKb: string | undefined): LogOptions {
  if (rateKb === undefined) return logs;
  const bytesPerSecond = parsePositiveInt(rateKb, "--log-rate-kb") * 1024;
  // A burst of 16 s: a busy moment (an install, a clone) never waits on its own log.
  return { ...logs, auditPace: { bytesPerSecond, burstBytes: 16 * bytesPerSecond } };
}

/** The proxy service's log options (see {@linkcode parseLogFlags}). */
export interface LogOptions {
  /** Start the day's next file past this size. */
  logMaxBytes: number;
  /** Delete files older than this many days. */
  logKeepDays: number;
  /** Past this many bytes of log files, delete the oldest (0: no budget; absent: the default). */
  logBudgetBytes?: number;
  /** The proxy's log pace, when it keeps one. */
  auditPace?: { bytesPerSecond: number; burstBytes: number };
}
