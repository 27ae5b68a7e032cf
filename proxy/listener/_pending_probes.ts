/**
 * Clients accepted while a probe's connect is still pending. Such a client may be the probe
 * itself (accepted before the probe's end heard it connected, its port still unknown), but it is
 * far more often a client: with a full backlog the kernel drops the probe's SYN and retries it a
 * second later (then 3 s, 7 s...), and a client queued behind a stall must not wait for that.
 * So a client waits a moment for the pending probes, is handed on, and is still told apart if a
 * probe turns out to be it once that probe connects.
 *
 * @module
 */

import type * as net from "node:net";
import { settled } from "./_net_waits.ts";
import type { ListenerClock } from "./listener_clock.ts";
import type { SelfProbe } from "./_self_probe.ts";

/**
 * How long an accepted client waits for pending probes (ms): a probe accepted before its own
 * end heard it connected hears it within a turn or two of the loop.
 */
export const PROBE_SORT_WAIT_MS = 50;

/** The probes whose end has not yet heard whether it connected (their port unknown). */
export function pendingProbes(probes: readonly (SelfProbe | undefined)[]): SelfProbe[] {
  return probes.filter((p): p is SelfProbe => p?.socket.connecting === true);
}

/** Resolves once every `pending` probe connected or closed, or after `ms`, whichever is first. */
export function awaitProbesBriefly(
  pending: readonly SelfProbe[],
  clock: ListenerClock,
  ms: number = PROBE_SORT_WAIT_MS,
): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(resolve, ms, "sort");
    Promise.all(pending.map(settledProbe)).then(() => {
      clock.clearTimeout(timer);
      resolve();
    });
  });
}

/** Clients handed on while a probe was pending that are kept to check against it, at most. */
export const LATE_PROBE_CANDIDATES = 64;

/**
 * The clients handed on while a probe's port was unknown, the newest
 * {@linkcode LATE_PROBE_CANDIDATES} of them (a probe admitted late is accepted about when it
 * connects, so one of the last), checked against each probe once it connects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LateProbes } from "./_pending_probes.ts";
 *
 * const late = new LateProbes();
 * const socket = { remoteAddress: "127.0.0.1", remotePort: 40000 } as never;
 * late.remember(socket);
 * const probe = { settled: Promise.resolve(), isOwn: (s: unknown) => s === socket } as never;
 * let found: unknown;
 * late.watch(probe, (_probe, own) => (found = own));
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * assert.equal(found, socket);
 * ```
 */
export class LateProbes {
  #recent: net.Socket[] = [];
  #brief: Promise<void> | undefined;

  /**
   * One wait of {@linkcode awaitProbesBriefly} shared by the clients accepted meanwhile: a flood
   * accepted behind a probe whose SYN is dropped holds one timer and one watch per wait, not
   * one per client.
   */
  briefly(pending: readonly SelfProbe[], clock: ListenerClock): Promise<void> {
    return this.#brief ??= awaitProbesBriefly(pending, clock).then(() => {
      this.#brief = undefined;
    });
  }

  /** Keep `socket`, handed on as a client while some probe's port was unknown. */
  remember(socket: net.Socket): void {
    this.#recent.push(socket);
    if (this.#recent.length > LATE_PROBE_CANDIDATES) this.#recent.shift();
  }

  /** Once `probe` connects, call `own` with the kept client that was `probe` after all. */
  watch(probe: SelfProbe, own: (probe: SelfProbe, socket: net.Socket) => void): void {
    settledProbe(probe).then(() => {
      const index = this.#recent.findIndex((socket) => probe.isOwn(socket));
      if (index === -1) return;
      const [socket] = this.#recent.splice(index, 1);
      own(probe, socket!);
    });
  }
}

/** The probe's shared wait for its end to connect or close. */
function settledProbe(probe: SelfProbe): Promise<void> {
  return probe.settled ??= settled(probe.socket);
}
