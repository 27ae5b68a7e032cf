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

import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ProposalInput } from "../../proxy/policy_local/mod.ts";
import { isGuidance } from "../../proxy/policy_local/mod.ts";
import type { DirectoryWatcher } from "../events/mod.ts";
import type { EventHub } from "../events/mod.ts";
import { streamEvents } from "../events/mod.ts";
import * as r from "../client/mod.ts";
import { isProposalId } from "../proposals/mod.ts";
import { PROPOSAL_STATES, type ProposalState } from "../proposals/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import type { ProposalStore } from "../store/mod.ts";
import { proposalJson } from "../proposals/mod.ts";
import { visibleText } from "../text/mod.ts";
import {
  authenticate,
  type Caller,
  ForbiddenError,
  type GatewayEnv,
  mayReadPolicy,
  mayReadProposal,
  proxy,
  reader,
  reviewer,
} from "./_caller.ts";
import type { CredentialStore } from "../credentials/mod.ts";
import { createInboxApp, type InboxSessions } from "../inbox/mod.ts";
import { reviewRoute } from "./review_route.ts";
import { leaseRoutes, reviewedHashOf, scopeOf } from "./lease_routes.ts";
import { sandboxRoutes } from "./sandbox_routes.ts";
import { statusRoute } from "./status_route.ts";
import { badRequest, errorResponse } from "./http_error.ts";

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
const MAX_WAIT_S = 300;

type App = Hono<GatewayEnv>;
type Limit = ReturnType<typeof bodyLimit>;

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
  decisionRoutes(app, deps, limit);
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

function notFound(c: Context) {
  return c.json({ error: "not_found" }, 404);
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body = await c.req.json().catch(() => undefined);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("Body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

function proposalId(c: Context<GatewayEnv>): string {
  const id = c.req.param("id") ?? "";
  if (!isProposalId(id)) throw badRequest("Invalid proposal id");
  return id;
}

/** A proposal the caller may read; undefined for one that does not exist or is not theirs. */
async function readable(
  store: ProposalStore,
  caller: Caller,
  id: string,
): Promise<ProposalRecord | undefined> {
  const record = await store.get(id);
  // Another sandbox's proposal answers exactly as a missing one: its existence is not told.
  return record && mayReadProposal(caller, record.meta.sandbox) ? record : undefined;
}

function proposalRoutes(app: App, deps: GatewayAppDeps, limit: Limit) {
  const { store } = deps;
  app.get(r.ROUTE_PROPOSALS, async (c) => {
    const caller = reader(c);
    const status = c.req.query("status");
    if (status !== undefined && !PROPOSAL_STATES.includes(status as ProposalState)) {
      throw badRequest("Invalid status");
    }
    const records = (await store.list({ status: status as ProposalState | undefined }))
      .filter((record) => mayReadProposal(caller, record.meta.sandbox));
    return c.json({ proposals: records.map(proposalJson) });
  });
  app.post(r.ROUTE_PROPOSALS, limit, async (c) => {
    const caller = proxy(c);
    const { policy, ruleName, rule, rationale, workdir } = await jsonBody(c);
    if (
      typeof policy !== "string" || typeof ruleName !== "string" || typeof rationale !== "string"
    ) {
      throw badRequest("policy, ruleName and rationale must be strings");
    }
    if (policy !== caller.policy) {
      throw new ForbiddenError(`This proxy credential may only propose to "${caller.policy}"`);
    }
    // The sandbox is the credential's, never one the body names; its proxy names its workdir.
    const where = workdir === undefined ? {} : { workdir: checkedWorkdir(workdir) };
    const input = { policy, ruleName, rule, rationale, sandbox: caller.sandbox, ...where };
    return c.json(await store.submit(input as ProposalInput));
  });
  // A read of an id no proposal can have is a 404, as the embedded store answers it: a 400
  // reached the agent as policy.local's 502 gateway_unavailable ("try again").
  app.get(r.ROUTE_PROPOSAL, async (c) => {
    const id = c.req.param("id");
    const record = isProposalId(id) ? await readable(store, reader(c), id) : undefined;
    if (!record) return notFound(c);
    return c.json({
      ...await store.statusOf(record),
      summary: record.meta.summary,
      created: record.meta.created,
    });
  });
  app.get(r.ROUTE_PROPOSAL_WAIT, async (c) => {
    const id = c.req.param("id");
    if (!isProposalId(id) || !(await readable(store, reader(c), id))) return notFound(c);
    const seconds = Math.min(Math.max(Number(c.req.query("timeout") ?? 60) || 60, 1), MAX_WAIT_S);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), seconds * 1000);
    const abort = () => controller.abort();
    const signals = [c.req.raw.signal, deps.closing].filter((s) => s !== undefined);
    signals.forEach((s) => s.addEventListener("abort", abort));
    if (signals.some((s) => s.aborted)) abort();
    const status = await store.wait(id, controller.signal).finally(() => {
      clearTimeout(timer);
      signals.forEach((s) => s.removeEventListener("abort", abort));
    });
    if (!status) return notFound(c);
    return c.json({ ...status, timed_out: status.status === "pending" });
  });
}

function decisionRoutes(app: App, deps: GatewayAppDeps, limit: Limit) {
  const { store } = deps;
  // The decider is the reviewer credential's owner; any approved_by/rejected_by is ignored.
  app.post(r.ROUTE_PROPOSAL_APPROVE, limit, async (c) => {
    const { name } = reviewer(c);
    const id = proposalId(c);
    // No read before deciding: the store refuses an unknown id under its lock (404). A read
    // here, outside the lock, could miss a proposal that a remote sync's rebase is replaying.
    const scope = await scopeOf(c);
    const reviewedPolicyHash = await reviewedHashOf(c);
    return c.json(await store.approve(id, { approvedBy: name, scope, reviewedPolicyHash }));
  });
  app.post(r.ROUTE_PROPOSAL_REJECT, limit, async (c) => {
    const { name } = reviewer(c);
    const id = proposalId(c);
    const { reason, guidance } = await jsonBody(c);
    if (typeof reason !== "string") throw badRequest("reason must be a string");
    if (guidance !== undefined && !isGuidance(guidance)) {
      throw badRequest("Unknown guidance");
    }
    await store.reject(id, { reason, guidance, rejectedBy: name });
    return c.json({ id, status: "rejected" });
  });
}

/** A working directory a proxy may name: absolute, at most 4 KiB, shown as it is. */
function checkedWorkdir(value: unknown): string {
  const ok = typeof value === "string" && value.startsWith("/") && value.length <= 4096 &&
    visibleText(value, 4096) === value;
  if (ok) return value;
  throw badRequest("workdir must be an absolute path of printable characters");
}
