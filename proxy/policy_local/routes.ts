/**
 * Route constants of the sandbox-local API, the one place the policy.local app, the deny
 * body's `next_steps` and the skill test take them from.
 *
 * @module
 */

/** The virtual host the proxy serves itself, before any policy check. */
export const POLICY_LOCAL_HOST = "policy.local";
/** Base URL an agent uses (plain HTTP through the proxy, port 80 only). */
export const POLICY_LOCAL_BASE = `http://${POLICY_LOCAL_HOST}`;

/** `GET` the policy-advisor skill markdown. */
export const ROUTE_SKILL = "/v1/skill";
/** `GET` the current policy: `{format, policy_yaml, revision, hash}`. */
export const ROUTE_POLICY_CURRENT = "/v1/policy/current";
/** `GET` recent denials of this sandbox: `?last=N`. */
export const ROUTE_DENIALS = "/v1/denials";
/** `POST` a proposal: `{intent_summary, operations: [{addRule}]}`. */
export const ROUTE_PROPOSALS = "/v1/proposals";
/** `GET` one proposal's state (Hono pattern). */
export const ROUTE_PROPOSAL = "/v1/proposals/:id";
/** `GET` long-poll until the proposal is decided (Hono pattern). */
export const ROUTE_PROPOSAL_WAIT = "/v1/proposals/:id/wait";

/** Denials the deny body's `next_steps` suggest reading. */
export const NEXT_STEPS_DENIALS_LAST = 5;

/**
 * Full URL of a route on policy.local.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyLocalUrl, ROUTE_SKILL } from "./routes.ts";
 * assert.equal(policyLocalUrl(ROUTE_SKILL), "http://policy.local/v1/skill");
 * ```
 */
export function policyLocalUrl(route: string): string {
  return `${POLICY_LOCAL_BASE}${route}`;
}
