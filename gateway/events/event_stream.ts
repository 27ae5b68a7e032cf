/**
 * One server-sent event stream of the gateway: a `ready` event listing every policy's
 * revision and hash (so a reconnecting client catches up), then each hub event as it
 * happens, and a `ping` comment every 15 s so idle connections stay open.
 *
 * @module
 */

import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { DirectoryWatcher } from "./directory_watcher.ts";
import type { EventHub, GatewayEvent, HubEvent } from "./event_hub.ts";

/**
 * Hono's request context, under a name of our own: documenting Hono's declarations is Hono's
 * job, and `@ignore` keeps `deno doc --lint` from walking them.
 *
 * @ignore
 */
type RequestContext = Context;

/** Options of {@linkcode streamEvents}. */
export interface StreamOptions {
  /**
   * A proxy's stream: only this policy in `ready` and only its `policy.updated` events (no
   * proposal events, which would tell one sandbox of another's proposals).
   */
  only?: string;
  /** Bytes of frames that may wait for the reader (default {@linkcode MAX_STREAM_BACKLOG_BYTES}). */
  maxBacklogBytes?: number;
}

/**
 * Bytes of updates one event stream may have waiting for its reader before the stream ends:
 * room for a few large policy pushes (one is always let through, up to its 16 MiB).
 */
export const MAX_STREAM_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * Serve the event stream on a request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { DirectoryWatcher, EventHub, streamEvents } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\nrevision: 3\n");
 * const hub = new EventHub();
 * const watcher = new DirectoryWatcher({ policiesDir: dir, hub });
 * await watcher.start();
 * const app = new Hono().get("/v1/events", (c) => streamEvents(c, hub, watcher, 15_000));
 * const res = await app.request("/v1/events");
 * const reader = res.body!.getReader();
 * const first = new TextDecoder().decode((await reader.read()).value);
 * assert.match(first, /^event: ready\ndata: .*"revision":3/);
 * await reader.cancel(); // the client hangs up: the stream ends
 * await watcher.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function streamEvents(
  c: RequestContext,
  hub: EventHub,
  watcher: DirectoryWatcher,
  pingMs: number,
  options: StreamOptions = {},
): Response {
  const shown = (name: unknown) => options.only === undefined || name === options.only;
  const maxBacklog = options.maxBacklogBytes ?? MAX_STREAM_BACKLOG_BYTES;
  const visible = (event: GatewayEvent) =>
    options.only === undefined || (event.type === "policy.updated" && shown(event.data.name));
  return streamSSE(c, async (stream) => {
    let wake: () => void = () => {};
    const queue: HubEvent[] = [];
    let backlog = 0; // bytes of the frames in `queue`
    let ended = false;
    const end = () => {
      ended = true;
      wake();
    };
    const sub = hub.subscribe((event) => {
      if (!visible(event) || ended) return;
      queue.push(event);
      backlog += event.frame.byteLength;
      // A reader that stopped reading (its kernel keeps the connection open with a zero
      // window) would keep every frame here for ever: past the bound, its stream ends, and a
      // proxy reconnects and catches up from `ready`. One frame alone always fits.
      if (backlog > maxBacklog && queue.length > 1) {
        queue.length = 0;
        backlog = 0;
        end();
        stream.abort();
        return;
      }
      wake();
    });
    stream.onAbort(end);
    void sub.closed.then(end);
    const policies = watcher.policies().filter((p) => shown(p.name)).map((
      { name, revision, hash },
    ) => ({
      name,
      revision,
      hash,
    }));
    try {
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ policies }) });
      while (!ended) {
        for (let event = queue.shift(); event && !ended; event = queue.shift()) {
          backlog -= event.frame.byteLength;
          // The frame the hub encoded once for every stream.
          await stream.write(event.frame);
        }
        const pinged = await idle(pingMs, (fn) => (wake = fn));
        if (pinged && !ended) await stream.write(": ping\n\n");
      }
    } finally {
      sub.unsubscribe();
    }
  });
}

/** Wait until woken (false) or `ms` pass (true). */
function idle(ms: number, setWake: (fn: () => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    setWake(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
