/**
 * The gateway's HTTP API (Hono), for proxies, reviewers and the host: proposals (submit, get,
 * wait, list, approve, reject), policies, the event stream, and proxy enrolment. Every route
 * needs a bearer token, and each checks the caller's role (`_caller.ts`): a proxy submits and
 * reads its own sandbox's proposals and its own policy; a reviewer approves and rejects (and
 * `Approved-By` is the reviewer's name, never a string the client sends); the host's
 * enrolment token only enrols and retires proxies.
 *
 * @module
 */

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { DirectoryWatcher } from "../events/mod.ts";
import type { EventHub } from "../events/mod.ts";
import { streamEvents } from "../events/mod.ts";
import * as r from "../client/mod.ts";
import type { ProposalStore } from "../store/mod.ts";
import { authenticate, type GatewayEnv, mayReadPolicy, reader } from "./_caller.ts";
import type { CredentialStore } from "../credentials/mod.ts";
import { createInboxApp, type InboxSessions } from "../inbox/mod.ts";
import { reviewRoute } from "./review_route.ts";
import { leaseRoutes } from "./lease_routes.ts";
import { sandboxRoutes } from "./sandbox_routes.ts";
import { statusRoute } from "./status_route.ts";
import { errorResponse, notFound } from "./http_error.ts";
import { decisionRoutes, proposalRoutes } from "./proposal_routes.ts";

/** What the gateway app is built from. */
export interface GatewayAppDeps {
  store: ProposalStore;
  watcher: DirectoryWatcher;
  hub: EventHub;
  /** The host's enrolment token (`STATE/gateway.token`): may only enrol and retire proxies. */
  token: string;
  /** Proxy and reviewer credentials (hashed, in the state directory). */
  credentials: CredentialStore;
  /** Its repository and state, which sandboxes on its machine fence (sent with each enrolment). */
  fence?: r.GatewayFence;
  /** Ping period of the event stream, in ms. */
  pingMs?: number;
  /** Aborted when the server shuts down: long polls end at once. */
  closing?: AbortSignal;
  /** Hears what a 500 answer does not say (its error), one line each. */
  report?: (line: string) => void;
  /** OCSF events the gateway could not write so far (`GET /v1/status`). */
  auditDropped?: () => number;
  /** The web inbox at `/inbox` (cookie sessions, not bearer tokens); absent: no inbox. */
  inbox?: { sessions: InboxSessions; logDir?: string; secureCookie?: boolean };
}

const MAX_BODY = 256 * 1024;

type App = Hono<GatewayEnv>;

/**
 * Build the gateway app.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CredentialStore, DirectoryWatcher, EventHub, ProposalStore } from "../mod.ts";
 * import { createGatewayApp } from "./gateway_app.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const hub = new EventHub();
 * const watcher = new DirectoryWatcher({ policiesDir: dir, hub });
 * const store = new ProposalStore({ policiesDir: dir });
 * const credentials = new CredentialStore(`${dir}/.state`);
 * const app = createGatewayApp({ store, watcher, hub, token: "host-token", credentials });
 * const alice = { authorization: `Bearer ${await credentials.addReviewer("alice")}` };
 * assert.equal((await app.request("/v1/policies")).status, 401); // no token
 * const res = await app.request("/v1/proposals", { headers: alice });
 * assert.deepEqual(await res.json(), { proposals: [] });
 * // A server: Deno.serve({ hostname: "127.0.0.1", port: 0 }, app.fetch).
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createGatewayApp(deps: GatewayAppDeps): App {
  const app = new Hono<GatewayEnv>();
  // Mounted first: the inbox authenticates by its session cookie, before the bearer check.
  if (deps.inbox) app.route("/", createInboxApp({ ...deps, ...deps.inbox }));
  app.use("*", authenticate(deps.token, deps.credentials));
  app.onError(errorResponse(deps.report));
  const limit = bodyLimit({
    maxSize: MAX_BODY,
    onError: (c) => c.json({ error: "payload_too_large" }, 413),
  });
  sandboxRoutes(app, deps, limit);
  proposalRoutes(app, deps, limit);
  decisionRoutes(app, deps.store, limit);
  reviewRoute(app, deps.store, deps.inbox?.logDir);
  leaseRoutes(app, deps.store, limit);
  statusRoute(app, deps.auditDropped);
  app.get(r.ROUTE_POLICIES, (c) => {
    const caller = reader(c);
    const policies = deps.watcher.policies().filter((p) => mayReadPolicy(caller, p.name));
    return c.json({ policies: policies.map(({ text: _, ...p }) => p) });
  });
  app.get(r.ROUTE_POLICY, (c) => {
    const name = c.req.param("name");
    const policy = mayReadPolicy(reader(c), name) ? deps.watcher.policy(name) : undefined;
    return policy ? c.json(r.policyOnWire(policy)) : notFound(c);
  });
  app.get(r.ROUTE_EVENTS, (c) => {
    const caller = reader(c);
    const only = caller.role === "proxy" ? caller.policy : undefined;
    return streamEvents(c, deps.hub, deps.watcher, deps.pingMs ?? 15_000, { only });
  });
  return app;
}
