/**
 * The relay of an upgraded connection (a WebSocket after its 101): each client message
 * decided before it goes upstream (`websocket_relay.ts`), over the frame reader of
 * `proxy/websocket/`. Named apart from that folder: this one moves bytes, that one reads frames.
 *
 * @module
 */

export { exchangeUpgrade } from "./upgrade.ts";
export { messageJudge } from "./upgrade.ts";
export type { MessageTarget } from "./upgrade.ts";
