/**
 * The gateway's HTTP server: the Hono app and its routes (proposals, review, leases,
 * sandboxes, status), the caller's credential, the error mapping, and `startGateway`.
 *
 * @module
 */

export { startGateway } from "./gateway_server.ts";
export type { GatewayOptions, RunningGateway } from "./gateway_server.ts";
