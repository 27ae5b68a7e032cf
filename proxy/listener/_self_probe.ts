/**
 * The resilient listener's probe: a connection to itself, to tell a listener that still
 * accepts from one whose accept loop died.
 *
 * @module
 */

import * as net from "node:net";
import { settled } from "./_net_waits.ts";
import type { ListenerClock } from "./listener_clock.ts";

/** How a probe ended: accepted in time, not accepted, the process slept past it, or failed. */
export type ProbeResult = "accepted" | "not_accepted" | "late" | { error: string };

/** Options of {@linkcode SelfProbe}. */
export interface SelfProbeOptions {
  /** The listener's address and port. */
  host: string;
  port: number;
  /** How long the listener has to accept it. */
  timeoutMs: number;
  /** The listener's time and timers. */
  clock: ListenerClock;
  /** Called once the probe ended, before {@linkcode SelfProbe.result} resolves. */
  onEnd(result: ProbeResult): void;
}

/** One connection to the listener's own address, destroyed once it ended. */
export class SelfProbe {
  /** The probe's own end (the listener knows the accepted probe by its port). */
  readonly socket: net.Socket;
  /** How it ended. */
  readonly result: Promise<ProbeResult>;
  /** Resolves once the probe's end connected or closed (set by the listener when it waits). */
  settled?: Promise<void>;
  #finish: (result: ProbeResult) => void = () => {};
  #from: string | undefined; // its own address and port, once connected

  /** Connect to `host:port` now. */
  constructor(options: SelfProbeOptions) {
    this.socket = net.connect({ host: options.host, port: options.port });
    this.socket.once("connect", () => {
      this.#from = `${this.socket.localAddress}:${this.socket.localPort}`;
    });
    this.result = new Promise((resolve) => {
      const clock = options.clock;
      const sent = clock.now();
      let verdict: unknown;
      const timer = clock.setTimeout(
        () => {
          const late = clock.now() - sent > options.timeoutMs * 1.5;
          // The deadline passed: first let the loop take what is ready (after a stall of the
          // process, the accept may be waiting behind this timer), then judge.
          const ended = () => this.#finish(late ? "late" : "not_accepted");
          verdict = clock.setTimeout(ended, 0, "verdict");
        },
        options.timeoutMs,
        "deadline",
      );
      let done = false;
      this.#finish = (result) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        clock.clearTimeout(verdict);
        options.onEnd(result);
        this.#close();
        resolve(result);
      };
    });
    this.socket.on("error", (error: NodeJS.ErrnoException) => {
      this.#finish(error.code === "ECONNREFUSED" ? "not_accepted" : { error: error.message });
    });
    this.socket.on("close", () => this.#finish("not_accepted"));
  }

  /**
   * Destroy the probe's end. One given up while its connect is still pending (the process
   * stalled) first waits to connect or fail, however long that takes: destroyed before, it would
   * never learn its own port, and the listener, accepting it later, would take it for a client.
   * On loopback that wait ends as soon as the process hears the connect (or the kernel's connect
   * timeout when the backlog stays full); `close()` of the listener destroys it at once.
   */
  #close(): void {
    if (!this.socket.connecting) return void this.socket.destroy();
    (this.settled ??= settled(this.socket)).then(() => this.socket.destroy());
  }

  /** Whether `accepted` is this probe's connection (also once the probe ended). */
  isOwn(accepted: net.Socket): boolean {
    const from = this.#from ?? `${this.socket.localAddress}:${this.socket.localPort}`;
    return from === `${accepted.remoteAddress}:${accepted.remotePort}`;
  }

  /** The listener accepted this probe. */
  seen(): void {
    this.#finish("accepted");
  }
}
