/**
 * Every limit of the policy.local API in one place, so the app, its tests and the skill
 * agree on them.
 *
 * @module
 */

/**
 * Limits of the policy.local API.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { POLICY_LOCAL_LIMITS } from "./limits.ts";
 * assert.equal(POLICY_LOCAL_LIMITS.maxBodyBytes, 64 * 1024);
 * ```
 */
export const POLICY_LOCAL_LIMITS = {
  /** Largest request body accepted (413 above it, also for chunked bodies). */
  maxBodyBytes: 64 * 1024,
  /** A request body must arrive completely within this time (408 otherwise). */
  bodyReadTimeoutMs: 15_000,
  /** `GET /v1/denials?last=N`: default, then clamped to min..max. */
  denialsDefault: 10,
  denialsMin: 1,
  denialsMax: 100,
  /** Bytes of each of the two newest log files scanned for denials (bounds one request). */
  denialsScanBytesPerFile: 8 * 1024 * 1024,
  /** Bytes of one shorthand `line` in a denial summary, suffix included. */
  maxDenialLineBytes: 4096,
  /** `GET /v1/proposals/:id/wait?timeout=S`: default seconds, then clamped to min..max. */
  waitDefaultSeconds: 60,
  waitMinSeconds: 1,
  waitMaxSeconds: 300,
  /**
   * `/wait` requests open at once in one sandbox (429 `too_many_waits` past it): each holds a
   * long poll to the gateway, so without a cap one sandbox could hold hundreds of the
   * gateway's connections (one per connection its proxy allows). As many as it may have
   * pending proposals.
   */
  maxConcurrentWaits: 20,
  /**
   * `POST /v1/proposals` in one sandbox: this many at once, then one more per second (429
   * `too_many_submits` past it). Each costs the gateway its checks and its lock, refused or
   * not, so without a rate one sandbox could keep a gateway core busy.
   */
  submitBurst: 40,
  submitsPerSecond: 1,
  /** After an approval, wait at least this long for the reload even past the deadline. */
  reloadWaitFloorMs: 500,
  /** Operations in one proposal (a larger array is refused before any is looked at). */
  maxOperations: 10,
  /**
   * Nesting of a proposal body's JSON (a query matcher's `any` list sits 12 levels deep):
   * deeper is refused (400) before the checks, whose recursion it would overflow (500).
   */
  maxJsonDepth: 32,
  /**
   * Values (objects, arrays, strings, numbers...) in a proposal body's JSON: more is refused
   * (400) before the checks. The gateway's checks and patch cost about 40 µs a value, so a
   * 64 KiB body of 1,700 endpoints cost it 200 ms, and a burst of them from one sandbox held
   * every other caller of the gateway for seconds. A narrow rule holds a few dozen.
   */
  maxJsonValues: 1000,
  /** Characters of `intent_summary`. */
  maxIntentSummaryChars: 2000,
  /** Proposal ids accepted in a route. */
  proposalIdPattern: /^[A-Za-z0-9_-]{1,64}$/,
  /**
   * Text no proposed rule may hold: the comment that marks a rule added by an approval
   * (`# tollgate proposal <id>`), which an agent must not be able to forge.
   */
  reservedMarker: /#\s*tollgate\s+proposal/i,
  /** Rule names (policy map keys) an agent may propose. */
  ruleNamePattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
} as const;
