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
 * import { EventHub } from "./event_hub.ts";
 * const hub = new EventHub();
 * const seen: string[] = [];
 * const sub = hub.subscribe((e) => void seen.push(e.type));
 * hub.publish({ type: "policy.updated", data: { name: "team" } });
 * sub.unsubscribe();
 * console.assert(seen[0] === "policy.updated");
 * ```
 */
export class EventHub {
  readonly #listeners = new Set<(event: GatewayEvent & { id: number }) => void>();
  #next = 1;
  #close!: () => void;
  readonly #closed = new Promise<void>((resolve) => (this.#close = resolve));

  /** Number of connected subscribers. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Send an event to every subscriber. */
  publish(event: GatewayEvent): void {
    const numbered = { ...event, id: this.#next++ };
    for (const listener of this.#listeners) listener(numbered);
  }

  /** Receive every event from now on. */
  subscribe(listener: (event: GatewayEvent & { id: number }) => void): HubSubscription {
    this.#listeners.add(listener);
    return { unsubscribe: () => this.#listeners.delete(listener), closed: this.#closed };
  }

  /** End every subscription (streams finish so the server can stop). */
  close(): void {
    this.#listeners.clear();
    this.#close();
  }
}
