/**
 * A `node:net` listener that keeps accepting: it checks that it still accepts and listens
 * again when it does not.
 *
 * Why: in Deno 2.9 a `node:net` server whose `accept()` fails once (EMFILE: out of file
 * descriptors) never accepts again, and says nothing (no "error" event, no failed connection
 * callback). So, whenever nothing was accepted for a while, the listener connects to itself;
 * when that probe is not accepted in time, it closes the server and listens again on the same
 * port, retrying with a growing pause while descriptors are short.
 *
 * @module
 */

import * as net from "node:net";
import { listen } from "./_net_waits.ts";
import { LateProbes, pendingProbes } from "./_pending_probes.ts";
import { type ProbeResult, SelfProbe } from "./_self_probe.ts";
import { ThrottledReport } from "./_throttled_report.ts";
import { type ListenerClock, systemClock } from "./listener_clock.ts";

/** Options of {@linkcode ResilientListener.open}. */
export interface ResilientListenerOptions {
  /** Address to listen on. */
  hostname: string;
  /** Port to listen on; 0 picks one (kept for every later re-listen). */
  port: number;
  /** Receives each accepted client connection (never the listener's own probes). */
  onConnection(socket: net.Socket): void;
  /** Hears of trouble (out of descriptors, listening again), at most once per 10 s. */
  onTrouble?(message: string): void;
  /**
   * Probe after this long without an accepted connection, and wait this long for it (1 s).
   * While no client comes, each answered probe doubles the pause, up to 8 times this long.
   */
  checkMs?: number;
  /**
   * Whether the process ran short of descriptors (asked when a probe goes unanswered); if not,
   * the probe is sent again (a busy process answers late, and listening again would reset the
   * clients in the backlog) up to 3 in a row. Without it, every unanswered probe counts.
   */
  shortOfDescriptors?: () => boolean;
  /** The time and timers to run on (the system's; a test plays stalls on its own). */
  clock?: ListenerClock;
}
const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1_000;
// Unanswered probes in a row that make a deaf listener even with descriptors to spare now.
const DEAF_AFTER_PROBES = 3;
// Probes ended unaccepted, still told from clients when accepted late (a probe leaves the list
// once accepted; only one sent to a server since closed stays, until 64 newer push it out).
const PAST_PROBES = 64;

/**
 * A listening `node:net` server that recovers when Deno's accept loop dies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResilientListener } from "./resilient_listener.ts";
 *
 * const listener = await ResilientListener.open({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   onConnection: (socket) => socket.end("hello\n"),
 * });
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
 * const { value } = await conn.readable.getReader().read();
 * assert.equal(new TextDecoder().decode(value), "hello\n");
 * conn.close();
 * await listener.close();
 * ```
 */
export class ResilientListener {
  readonly #options: ResilientListenerOptions;
  readonly #checkMs: number;
  readonly #clock: ListenerClock;
  #server: net.Server;
  #port = 0;
  #closed = false;
  #lastAccept: number;
  #probe: SelfProbe | undefined;
  #pastProbes: SelfProbe[] = []; // ended, not accepted yet, newest first
  readonly #late = new LateProbes(); // clients handed on while a probe's port was unknown
  #timer: unknown;
  #checking: Promise<void> = Promise.resolve();
  #stopped: Promise<void>[] = [];
  #backoff = BACKOFF_MIN_MS;
  #unanswered = 0; // probes in a row not accepted
  #quiet = 0; // probes in a row answered with no client between
  #due = Infinity; // when the pending check runs (Infinity: none pending)
  readonly #trouble: ThrottledReport;

  private constructor(options: ResilientListenerOptions) {
    this.#options = options;
    this.#checkMs = options.checkMs ?? 1_000;
    this.#clock = options.clock ?? systemClock;
    this.#lastAccept = this.#clock.now();
    this.#trouble = new ThrottledReport(options.onTrouble);
    this.#server = this.#createServer();
  }

  /**
   * Listen, then keep checking that connections are accepted.
   *
   * @throws {Error} When the first `listen` fails (address in use, not permitted).
   */
  static async open(options: ResilientListenerOptions): Promise<ResilientListener> {
    const listener = new ResilientListener(options);
    await listen(listener.#server, options.port, options.hostname);
    listener.#port = (listener.#server.address() as net.AddressInfo).port;
    listener.#schedule(listener.#checkMs);
    return listener;
  }

  /** The port listened on. */
  get port(): number {
    return this.#port;
  }

  /** Stop listening and checking; resolves once every server instance has closed. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    for (const probe of [this.#probe, ...this.#pastProbes]) probe?.socket.destroy();
    await this.#checking;
    this.#stopped.push(new Promise((resolve) => this.#server.close(() => resolve())));
    await Promise.all(this.#stopped);
  }

  #createServer(): net.Server {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.#lastAccept = this.#clock.now();
      const pending = pendingProbes([this.#probe, ...this.#pastProbes]);
      if (pending.length === 0) return this.#sort(socket);
      // Maybe a probe accepted before its end heard it connected: wait a moment at most.
      this.#late.briefly(pending, this.#clock).then(() => this.#sort(socket));
    });
    // A server that fails after listening must not crash the process; the check notices.
    server.on("error", () => {});
    return server;
  }

  /** Hand an accepted connection on, unless it is a probe's own (or closed already). */
  #sort(socket: net.Socket): void {
    const own = [this.#probe, ...this.#pastProbes].find((p) => p?.isOwn(socket));
    if (own) return this.#own(own, socket);
    if (pendingProbes([this.#probe, ...this.#pastProbes]).length > 0) this.#late.remember(socket);
    // Clients again: a deaf spell (EMFILE comes with load) must be seen within checkMs again.
    this.#quiet = 0;
    // Only a pending timer is brought forward: while a check runs (`#due` is Infinity), a second
    // timer would start a second chain of checks, whose probes take each other's place.
    if (this.#due !== Infinity && this.#due - this.#clock.now() > this.#checkMs) {
      this.#schedule(this.#checkMs);
    }
    if (!socket.destroyed) this.#options.onConnection(socket);
  }

  /** `socket` is `probe`'s own connection (found at once or once the probe connected). */
  #own(probe: SelfProbe, socket: net.Socket): void {
    socket.destroy();
    // A probe given up on (a stall past its deadline) is found once: its port may be reused.
    const past = this.#pastProbes.indexOf(probe);
    if (past !== -1) this.#pastProbes.splice(past, 1);
    else probe.seen();
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#clock.clearTimeout(this.#timer); // one timer at a time: close() clears only the last
    this.#due = this.#clock.now() + ms;
    const check = () => {
      this.#due = Infinity;
      this.#checking = this.#check().catch(() => this.#schedule(this.#checkMs));
    };
    this.#timer = this.#clock.setTimeout(check, ms, "check");
  }

  async #check(): Promise<void> {
    if (this.#clock.now() - this.#lastAccept < this.#checkMs) {
      return this.#schedule(this.#checkMs);
    }
    const result = await this.#sendProbe();
    if (this.#closed) return;
    if (result === "accepted") {
      this.#backoff = BACKOFF_MIN_MS;
      this.#unanswered = 0;
      // Idle, a probe a second was a proxy's only work (100 sandboxes: a third of a core).
      return this.#schedule(this.#checkMs * 2 ** Math.min(3, this.#quiet++));
    }
    // The process itself slept past the deadline (this VM stalls for up to a second): the probe
    // may wait in the backlog, and listening again would reset it and every client queued too.
    if (result === "late") return this.#schedule(0);
    // Not short of descriptors: maybe only slow, unless it goes on.
    const slow = () => this.#options.shortOfDescriptors?.() === false;
    if (result === "not_accepted" && ++this.#unanswered < DEAF_AFTER_PROBES && slow()) {
      return this.#schedule(this.#checkMs);
    }
    this.#unanswered = 0;
    if (result === "not_accepted") {
      this.#report("the listener stopped accepting connections: listening again");
      if (await this.#relisten()) return this.#schedule(this.#checkMs);
    } else {
      this.#report(`cannot accept connections: ${result.error}; retrying`);
    }
    this.#schedule(this.#backoff);
    this.#backoff = Math.min(BACKOFF_MAX_MS, this.#backoff * 2);
  }

  /** Connect to ourselves: accepted in time, not accepted, or the probe itself failed. */
  #sendProbe(): Promise<ProbeResult> {
    const address = (this.#server.address() as net.AddressInfo | null)?.address ??
      this.#options.hostname;
    const onEnd = (result: ProbeResult) => {
      this.#probe = undefined;
      if (result === "accepted") return;
      this.#pastProbes = [probe, ...this.#pastProbes.slice(0, PAST_PROBES - 1)];
    };
    const probe = new SelfProbe({
      host: address,
      port: this.#port,
      timeoutMs: this.#checkMs,
      clock: this.#clock,
      onEnd,
    });
    this.#probe = probe;
    this.#late.watch(probe, (own, socket) => this.#own(own, socket));
    return probe.result;
  }

  /** Close the deaf server and listen again on the same port; false when that failed. */
  async #relisten(): Promise<boolean> {
    const old = this.#server;
    this.#stopped.push(new Promise((resolve) => old.close(() => resolve())));
    const server = this.#createServer();
    try {
      await listen(server, this.#port, this.#options.hostname);
    } catch (error) {
      this.#report(`cannot listen again: ${(error as Error).message}; retrying`);
      this.#server = server; // a server object to close and to try again with
      return false;
    }
    this.#server = server;
    this.#lastAccept = this.#clock.now();
    return true;
  }

  #report(message: string): void {
    this.#trouble.say(`proxy: ${message}`);
  }
}
