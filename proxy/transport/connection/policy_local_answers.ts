/**
 * What the proxy holds of policy.local answers its clients have not read. An answer is made
 * whole (a policy, 100 denials: up to about 0.6 MB) and written at once; what the socket could
 * not hand to the kernel waits in the proxy's memory until the client reads. The next request
 * on that connection is not read meanwhile, so each connection holds at most one answer, but a
 * client that never reads held it for as long as it kept the connection open, on each of up to
 * 512 connections (200 connections of pipelined `GET /v1/policy/current`, 0.65 MB each, took a
 * proxy from 148 to 706 MB of RSS).
 *
 * So an answer must be taken within a deadline, or its connection closes; and the answers
 * waiting in one proxy share a budget: one that does not fit closes the connections of the
 * oldest waiting answers until it fits (they wait for a client that is not reading, while a
 * client that reads takes its answer in milliseconds).
 *
 * @module
 */

import type { Duplex } from "node:stream";

/** Default bytes of unread policy.local answers one proxy may hold (about 25 of the largest). */
export const DEFAULT_POLICY_LOCAL_ANSWER_BUDGET_BYTES = 16 * 1024 * 1024;
/** Default time a client has to take one policy.local answer before its connection closes. */
export const DEFAULT_POLICY_LOCAL_ANSWER_TIMEOUT_MS = 15_000;

/** Options of {@linkcode PolicyLocalAnswers}. */
export interface PolicyLocalAnswersOptions {
  /** Bytes all waiting answers may hold together (default 16 MiB). */
  limitBytes?: number;
  /** Time an answer may wait for its client (default 15 s). */
  timeoutMs?: number;
}

/**
 * The policy.local answers waiting in one proxy for their clients, oldest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { PolicyLocalAnswers } from "./policy_local_answers.ts";
 *
 * const answers = new PolicyLocalAnswers({ limitBytes: 100 });
 * const old = new PassThrough();
 * answers.hold(old, 60);
 * const release = answers.hold(new PassThrough(), 60); // no room: the oldest one closes
 * assert.equal(old.destroyed, true);
 * assert.equal(answers.heldBytes, 60);
 * release();
 * assert.equal(answers.heldBytes, 0);
 * ```
 */
export class PolicyLocalAnswers {
  /** Time an answer may wait for its client before its connection closes. */
  readonly timeoutMs: number;
  readonly #limitBytes: number;
  readonly #held = new Map<Duplex, number>(); // insertion order: oldest first
  #bytes = 0;

  /** A budget of `limitBytes`, each answer waiting at most `timeoutMs`. */
  constructor(options: PolicyLocalAnswersOptions = {}) {
    this.#limitBytes = options.limitBytes ?? DEFAULT_POLICY_LOCAL_ANSWER_BUDGET_BYTES;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_POLICY_LOCAL_ANSWER_TIMEOUT_MS;
  }

  /** Bytes of answers waiting now. */
  get heldBytes(): number {
    return this.#bytes;
  }

  /**
   * Count `bytes` waiting in `socket` until the returned function runs. While they do not
   * fit, the oldest other waiting answer's connection is closed (which frees what it held).
   */
  hold(socket: Duplex, bytes: number): () => void {
    for (const other of this.#held.keys()) {
      if (this.#bytes + bytes <= this.#limitBytes) break;
      this.#release(other);
      other.destroy();
    }
    this.#release(socket);
    this.#held.set(socket, bytes);
    this.#bytes += bytes;
    return () => this.#release(socket);
  }

  #release(socket: Duplex): void {
    const bytes = this.#held.get(socket);
    if (bytes === undefined) return;
    this.#held.delete(socket);
    this.#bytes -= bytes;
  }
}
