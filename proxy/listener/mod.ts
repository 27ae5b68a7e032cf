/**
 * The proxy's listening socket, kept accepting: Deno's `node:net` accept loop dies for good
 * after one EMFILE, so {@linkcode ResilientListener} probes itself and listens again. A leaf
 * below the transport: it hands each accepted client socket on and knows nothing of HTTP.
 *
 * @module
 */

export { ResilientListener } from "./resilient_listener.ts";
export type { ResilientListenerOptions } from "./resilient_listener.ts";
export type { ListenerClock, ListenerTimer } from "./listener_clock.ts";
