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

/**
 * Once each of `pending` connects, call `own` with it if `socket` (handed on as a client while
 * the probe's port was unknown) was that probe after all.
 */
export function watchLateProbes(
  pending: readonly SelfProbe[],
  socket: net.Socket,
  own: (probe: SelfProbe) => void,
): void {
  for (const probe of pending) {
    settledProbe(probe).then(() => {
      if (probe.isOwn(socket)) own(probe);
    });
  }
}

/** The probe's shared wait for its end to connect or close. */
function settledProbe(probe: SelfProbe): Promise<void> {
  return probe.settled ??= settled(probe.socket);
}
