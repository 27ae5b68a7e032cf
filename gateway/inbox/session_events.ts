/**
 * The inbox's event stream ends with its session: a view of the hub that checks, before each
 * event, that the session is still alive (not signed out, not expired, its reviewer not
 * removed), and otherwise ends the stream without delivering the event.
 *
 * @module
 */

import type { EventHub, GatewayEvent, HubSubscription } from "../events/mod.ts";

type Listener = (event: GatewayEvent & { id: number }) => void;

/**
 * A hub view for one session's stream (what `streamEvents` needs of a hub).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventHub } from "../events/mod.ts";
 * import { sessionHub } from "./session_events.ts";
 * const hub = new EventHub();
 * let signedIn = true;
 * const seen: string[] = [];
 * const sub = sessionHub(hub, () => Promise.resolve(signedIn)).subscribe((e) => void seen.push(e.type));
 * hub.publish({ type: "proposal.created", data: {} });
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * signedIn = false; // signed out: the next event ends the stream instead
 * hub.publish({ type: "proposal.decided", data: {} });
 * await sub.closed;
 * assert.deepEqual(seen, ["proposal.created"]);
 * ```
 */
export function sessionHub(hub: EventHub, alive: () => Promise<boolean>): EventHub {
  const view = {
    subscribe(listener: Listener): HubSubscription {
      let end!: () => void;
      const dead = new Promise<void>((resolve) => (end = resolve));
      // Checks run one after another, so events keep their order.
      let checked = Promise.resolve();
      const sub = hub.subscribe((event) => {
        checked = checked.then(async () => {
          if (await alive().catch(() => false)) return listener(event);
          sub.unsubscribe();
          end();
        });
      });
      return {
        unsubscribe: () => (sub.unsubscribe(), end()),
        closed: Promise.race([sub.closed, dead]),
      };
    },
  };
  // streamEvents uses only subscribe(); the class's private fields are not part of that use.
  return view as unknown as EventHub;
}
