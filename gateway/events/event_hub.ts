/**
 * The gateway's event fan-out: every connected event stream (proxies, CLIs, the inbox) gets
 * each `policy.updated`, `proposal.created` and `proposal.decided` event, in order.
 *
 * @module
 */

/** One event of the stream. */
export interface GatewayEvent {
  /** SSE event name. */
  type: "policy.updated" | "proposal.created" | "proposal.decided";
  /** JSON payload (`{name, revision, hash, text?}` or `{id, status, policy, summary}`). */
  data: Record<string, unknown>;
}

/** An event as subscribers receive it: numbered, with its stream frame encoded once. */
export type HubEvent = GatewayEvent & {
  /** Position in the hub's stream (the SSE `id`). */
  id: number;
  /**
   * The whole `text/event-stream` frame, encoded once for every subscriber: a policy push to
   * 100 proxies serialises (and, for a 10,000-rule policy, encodes megabytes) once, not 100 times.
   */
  frame: Uint8Array;
};

/**
 * The server-sent-event frame of an event (`event:`, one `data:` line of JSON, `id:`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sseFrame } from "./event_hub.ts";
 * const frame = sseFrame({ type: "policy.updated", data: { name: "t" } }, 7);
 * assert.equal(frame, 'event: policy.updated\ndata: {"name":"t"}\nid: 7\n\n');
 * ```
 */
export function sseFrame(event: GatewayEvent, id: number): string {
  // JSON.stringify escapes every line break, so the data is one `data:` line.
  return `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\nid: ${id}\n\n`;
}

/** A subscriber's view of the hub. */
export interface HubSubscription {
  /** Stop receiving events. */
  unsubscribe(): void;
  /** Resolves when the hub closes (the server is shutting down). */
  closed: Promise<void>;
}

/**
 * Fan-out of gateway events to subscribers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventHub } from "./event_hub.ts";
 * const hub = new EventHub();
 * const seen: string[] = [];
 * const sub = hub.subscribe((e) => void seen.push(e.type));
 * hub.publish({ type: "policy.updated", data: { name: "team" } });
 * sub.unsubscribe();
 * assert.equal(seen[0], "policy.updated");
 * ```
 */
export class EventHub {
  readonly #listeners = new Set<(event: HubEvent) => void>();
  #next = 1;
  #close!: () => void;
  readonly #closed = new Promise<void>((resolve) => (this.#close = resolve));

  /** Number of connected subscribers. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Send an event to every subscriber. */
  publish(event: GatewayEvent): void {
    const id = this.#next++;
    if (this.#listeners.size === 0) return;
    const frame = new TextEncoder().encode(sseFrame(event, id));
    const numbered = { ...event, id, frame };
    for (const listener of this.#listeners) listener(numbered);
  }

  /** Receive every event from now on. */
  subscribe(listener: (event: HubEvent) => void): HubSubscription {
    this.#listeners.add(listener);
    return { unsubscribe: () => this.#listeners.delete(listener), closed: this.#closed };
  }

  /** End every subscription (streams finish so the server can stop). */
  close(): void {
    this.#listeners.clear();
    this.#close();
  }
}
