/**
 * An unfinished WebSocket text message's hold on the proxy (the judged relay's): its bytes in
 * the body budget, and the deadlines of its arrival.
 *
 * @module
 */

import { type BodyBudget, type BodyLease, LazyDeadline } from "../../wire/mod.ts";

/** The bounds of an assembly: `JudgedRelayOptions`' fields of the same names. */
export interface AssemblyLimits {
  /** Where an unfinished message holds its bytes. */
  budget?: BodyBudget;
  /** Longest silence inside an unfinished text message, ms. */
  assemblyIdleMs?: number;
  /** Longest time one text message may take to arrive, ms. */
  assemblyTotalMs?: number;
}

/**
 * An unfinished text message's hold on the proxy: its bytes in the body budget, and the
 * deadlines of its arrival. Between messages it holds nothing and no timer runs.
 */
export class Assembly {
  #lease: BodyLease | undefined;
  // Moved at every frame of the message, so one lazy timer rather than a new one per frame.
  #idle = new LazyDeadline(() => this.refuse(1002, "text message idle"));
  #total: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly options: AssemblyLimits,
    readonly refuse: (code: number, why: string) => void,
  ) {}

  /** Hold `bytes` (the reader's unfinished message); false, after refusing, when no room. */
  holds(bytes: number): boolean {
    if (bytes === 0) {
      this.end();
      return true;
    }
    const { budget, assemblyIdleMs = 30_000, assemblyTotalMs = 120_000 } = this.options;
    this.#lease ??= budget?.lease();
    const more = bytes - (this.#lease?.held ?? 0);
    if (more > 0 && this.#lease && !this.#lease.tryGrow(more)) {
      this.refuse(1013, "the proxy holds as many messages as it may: try again later");
      return false;
    }
    this.#idle.set(assemblyIdleMs);
    this.#total ??= setTimeout(() => this.refuse(1002, "text message too slow"), assemblyTotalMs);
    return true;
  }

  /** Give back what is held and stop the timers. */
  end(): void {
    this.#lease?.release();
    this.#lease = undefined;
    this.#idle.stop();
    clearTimeout(this.#total);
    this.#total = undefined;
  }
}
