/**
 * Route constants of the gateway's HTTP API, used by the app and by `GatewayClient`.
 *
 * @module
 */

/** `GET` list proposals (`?status=`), `POST` submit one. */
export const G_PROPOSALS = "/v1/proposals";
/** `GET` one proposal (Hono pattern). */
export const G_PROPOSAL = "/v1/proposals/:id";
/** `GET` long-poll until decided: `?timeout=S` (Hono pattern). */
export const G_PROPOSAL_WAIT = "/v1/proposals/:id/wait";
/** `POST {approved_by?}` approve (Hono pattern). */
export const G_PROPOSAL_APPROVE = "/v1/proposals/:id/approve";
/** `POST {reason, guidance?, rejected_by?}` reject (Hono pattern). */
export const G_PROPOSAL_REJECT = "/v1/proposals/:id/reject";
/** `GET` every policy's name, revision and hash. */
export const G_POLICIES = "/v1/policies";
/** `GET` one policy: `{name, text, revision, hash}` (Hono pattern). */
export const G_POLICY = "/v1/policies/:name";
/** `GET` the server-sent event stream. */
export const G_EVENTS = "/v1/events";

/**
 * Fill a route pattern's `:param`s (each value URL-encoded).
 *
 * @example
 * ```ts
 * import { fillRoute, G_POLICY } from "./gateway_routes.ts";
 * console.assert(fillRoute(G_POLICY, { name: "team" }) === "/v1/policies/team");
 * ```
 */
export function fillRoute(route: string, params: Record<string, string>): string {
  return route.replace(/:([a-z]+)/g, (_, key: string) => encodeURIComponent(params[key] ?? ""));
}
