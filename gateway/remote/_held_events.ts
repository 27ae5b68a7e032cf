/**
 * The audit events of a change published through the remote, held until its push landed. An
 * attempt can be undone after it ran (its clone was behind the remote, another gateway won the
 * race, the remote is unreachable): its CONFIG:APPROVED must then never reach the log, and an
 * attempt run again logs once. Events emitted outside a held change (a submit's CONFIG:PROPOSED)
 * pass at once.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import type { OcsfEvent } from "../../proxy/ocsf/mod.ts";

/**
 * An `emit` that holds the events of the change running in `published()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeldEvents } from "./_held_events.ts";
 * import { configEvent } from "../../proxy/ocsf/mod.ts";
 * const logged: string[] = [];
 * const events = new HeldEvents((event) => logged.push(event.message ?? ""));
 * // Two attempts: the first is undone, the second lands; only the second one's event is logged.
 * await events.published(async (step) => {
 *   await step();
 *   return await step();
 * }, async () => events.emit(configEvent("APPROVED", "approved")));
 * assert.deepEqual(logged, ["approved"]);
 * await assert.rejects(events.published(async (step) => {
 *   await step();
 *   throw new Error("the remote is unreachable");
 * }, async () => events.emit(configEvent("APPROVED", "never"))));
 * assert.deepEqual(logged, ["approved"]);
 * ```
 */
export class HeldEvents {
  readonly #sink: (event: OcsfEvent) => void;
  readonly #held = new AsyncLocalStorage<OcsfEvent[]>();

  /** Events go to `sink`, those of a held change once it is published. */
  constructor(sink: (event: OcsfEvent) => void) {
    this.#sink = sink;
  }

  /** Log `event`, or hold it when a held change emits it. */
  readonly emit = (event: OcsfEvent): void => {
    const held = this.#held.getStore();
    if (held) held.push(event);
    else this.#sink(event);
  };

  /**
   * Publish a change: `publish` runs `step` once per attempt; the events of the last attempt
   * are logged once `publish` resolves, none when it throws.
   */
  async published<T>(
    publish: (step: () => Promise<T>) => Promise<T>,
    step: () => Promise<T>,
  ): Promise<T> {
    let last: OcsfEvent[] = [];
    const result = await publish(() => {
      last = [];
      return this.#held.run(last, step);
    });
    for (const event of last) this.#sink(event);
    return result;
  }
}
