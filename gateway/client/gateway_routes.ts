/**
 * Route constants of the gateway's HTTP API, the one place the server's Hono app and
 * `GatewayClient` take them from. Named `ROUTE_*` like policy.local's (proxy/policy_local/routes.ts);
 * its proposal routes have the same paths as policy.local's.
 *
 * @module
 */

/** `GET` list proposals (`?status=`), `POST` submit one. */
export const ROUTE_PROPOSALS = "/v1/proposals";
/** `GET` one proposal (Hono pattern). */
export const ROUTE_PROPOSAL = "/v1/proposals/:id";
/** `GET` long-poll until decided: `?timeout=S` (Hono pattern). */
export const ROUTE_PROPOSAL_WAIT = "/v1/proposals/:id/wait";
/** `POST` approve, as the calling reviewer (Hono pattern). */
export const ROUTE_PROPOSAL_APPROVE = "/v1/proposals/:id/approve";
/** `POST {reason, guidance?}` reject, as the calling reviewer (Hono pattern). */
export const ROUTE_PROPOSAL_REJECT = "/v1/proposals/:id/reject";
/** `GET` (reviewer) what the inbox shows of one proposal: diff, endpoints, denials, commit. */
export const ROUTE_PROPOSAL_REVIEW = "/v1/proposals/:id/review";
/** `GET` every policy's name, revision and hash. */
export const ROUTE_POLICIES = "/v1/policies";
/** `GET` one policy: `{name, text, revision, hash}` (Hono pattern). */
export const ROUTE_POLICY = "/v1/policies/:name";
/** `GET` (reviewer or host) the gateway's health: `{audit_log: {dropped}}`. */
export const ROUTE_STATUS = "/v1/status";
/** `GET` the server-sent event stream. */
export const ROUTE_EVENTS = "/v1/events";
/** `POST {policy}` with the host's enrolment token: a new sandbox's proxy credential. */
export const ROUTE_SANDBOXES = "/v1/sandboxes";
/** `DELETE` a sandbox's proxy credential (by that proxy or the host) (Hono pattern). */
export const ROUTE_SANDBOX = "/v1/sandboxes/:sandbox";
/** `POST` (no body, no credential) on the hook listener: the remote moved, fetch it. */
export const ROUTE_REMOTE_CHANGED = "/v1/remote-changed";

/** `GET` the scoped rules (`?policy=`): a proxy sees its own policy's, a reviewer every one. */
export const ROUTE_LEASES = "/v1/leases";
/** `POST {policy?}` (reviewer) remove a scoped rule now, with a commit (Hono pattern). */
export const ROUTE_LEASE_REVOKE = "/v1/leases/:rule/revoke";
/** `POST {expires?}` (proxy) its once-scoped rule allowed its one request (Hono pattern). */
export const ROUTE_LEASE_USED = "/v1/leases/:rule/used";
/** `GET` (reviewer) whether policies fit the org ceiling (`?policy=`); its content is never shown. */
export const ROUTE_CEILING_CHECK = "/v1/ceiling/check";

/**
 * Fill a route pattern's `:param`s (each value URL-encoded).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fillRoute, ROUTE_POLICY } from "./gateway_routes.ts";
 * assert.equal(fillRoute(ROUTE_POLICY, { name: "team" }), "/v1/policies/team");
 * ```
 */
export function fillRoute(route: string, params: Record<string, string>): string {
  return route.replace(/:([a-z]+)/g, (_, key: string) => encodeURIComponent(params[key] ?? ""));
}
