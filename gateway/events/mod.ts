/**
 * The gateway's events: the hub that fans them out, the directory watcher that turns
 * policy and proposal file changes into them, and the server-sent-event stream that serves them.
 *
 * @module
 */

export { DirectoryWatcher } from "./directory_watcher.ts";
export { MAX_EVENT_TEXT_BYTES, policyUpdated } from "./policy_updated.ts";
export type { DirectoryWatcherOptions } from "./directory_watcher.ts";
export { EventHub } from "./event_hub.ts";
export type { GatewayEvent, HubEvent, HubSubscription } from "./event_hub.ts";
export { streamEvents } from "./event_stream.ts";
export type { StreamOptions } from "./event_stream.ts";
