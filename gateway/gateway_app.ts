/**
 * The gateway's HTTP API (Hono), for proxies, the CLI and the inbox: proposals (submit, get,
 * wait, list, approve, reject), policies, and the event stream. Every route needs the bearer
 * token.
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { ProposalConflictError } from "./proposal_conflict_error.ts";
import { GUIDANCE } from "./decide_proposal.ts";
import type { DirectoryWatcher } from "./directory_watcher.ts";
import type { EventHub } from "./event_hub.ts";
import { streamEvents } from "./event_stream.ts";
import * as r from "./gateway_routes.ts";
import { isProposalId } from "./proposal_id.ts";
import { PROPOSAL_STATES, type ProposalState } from "./proposal_files.ts";
import { toProposalStatus } from "./proposal_record.ts";
import type { ProposalStore } from "./proposal_store.ts";
import { proposalJson } from "./render_proposals.ts";

/** What the gateway app is built from. */
export interface GatewayAppDeps {
  store: ProposalStore;
  watcher: DirectoryWatcher;
  hub: EventHub;
  token: string;
  /** Ping period of the event stream, in ms. */
  pingMs?: number;
  /** Aborted when the server shuts down: long polls end at once. */
  closing?: AbortSignal;
}

const MAX_BODY = 256 * 1024;
const MAX_WAIT_S = 300;

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * Build the gateway app.
 *
 * @example
 * ```ts ignore
 * const app = createGatewayApp({ store, watcher, hub, token });
 * Deno.serve({ hostname: "127.0.0.1", port: 0 }, app.fetch);
 * ```
 */
export function createGatewayApp(deps: GatewayAppDeps): Hono {
  const app = new Hono();
  const expected = digest(`Bearer ${deps.token}`);
  app.use("*", async (c, next) => {
    const given = digest(c.req.header("authorization") ?? "");
    if (!timingSafeEqual(given, expected)) {
      c.header("WWW-Authenticate", "Bearer");
      return c.json({ error: "unauthorized" }, 401);
    }
    await next();
  });
  app.onError((error, c) => {
    if (error instanceof ProposalConflictError) {
      return c.json({ error: "conflict", detail: error.message }, 409);
    }
    if (error instanceof TypeError) {
      return c.json({ error: "bad_request", detail: error.message }, 400);
    }
    return c.json({ error: "internal", detail: "Internal error" }, 500);
  });
  const limit = bodyLimit({
    maxSize: MAX_BODY,
    onError: (c) => c.json({ error: "payload_too_large" }, 413),
  });
  proposalRoutes(app, deps, limit);
  decisionRoutes(app, deps, limit);
  app.get(
    r.G_POLICIES,
    (c) => c.json({ policies: deps.watcher.policies().map(({ text: _, ...p }) => p) }),
  );
  app.get(r.G_POLICY, (c) => {
    const policy = deps.watcher.policy(c.req.param("name"));
    return policy ? c.json(policy) : notFound(c);
  });
  app.get(r.G_EVENTS, (c) => streamEvents(c, deps.hub, deps.watcher, deps.pingMs ?? 15_000));
  return app;
}

function notFound(c: Context) {
  return c.json({ error: "not_found" }, 404);
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body = await c.req.json().catch(() => undefined);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new TypeError("Body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

function proposalId(c: Context): string {
  const id = c.req.param("id") ?? "";
  if (!isProposalId(id)) throw new TypeError("Invalid proposal id");
  return id;
}

function proposalRoutes(app: Hono, deps: GatewayAppDeps, limit: ReturnType<typeof bodyLimit>) {
  const { store } = deps;
  app.get(r.G_PROPOSALS, async (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !PROPOSAL_STATES.includes(status as ProposalState)) {
      throw new TypeError("Invalid status");
    }
    const records = await store.list({ status: status as ProposalState | undefined });
    return c.json({ proposals: records.map(proposalJson) });
  });
  app.post(r.G_PROPOSALS, limit, async (c) => {
    const body = await jsonBody(c);
    const { policy, ruleName, rule, rationale } = body;
    if (
      typeof policy !== "string" || typeof ruleName !== "string" || typeof rationale !== "string"
    ) {
      throw new TypeError("policy, ruleName and rationale must be strings");
    }
    return c.json(await store.submit({ policy, ruleName, rule, rationale } as ProposalInput));
  });
  app.get(r.G_PROPOSAL, async (c) => {
    const record = await store.get(proposalId(c));
    if (!record) return notFound(c);
    return c.json({
      ...toProposalStatus(record),
      summary: record.meta.summary,
      created: record.meta.created,
    });
  });
  app.get(r.G_PROPOSAL_WAIT, async (c) => {
    const id = proposalId(c);
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

function decisionRoutes(app: Hono, deps: GatewayAppDeps, limit: ReturnType<typeof bodyLimit>) {
  const { store } = deps;
  app.post(r.G_PROPOSAL_APPROVE, limit, async (c) => {
    const id = proposalId(c);
    if (!(await store.get(id))) return notFound(c);
    const by = (await jsonBody(c)).approved_by;
    const approvedBy = typeof by === "string" && by !== "" ? by : "gateway API";
    return c.json(await store.approve(id, { approvedBy }));
  });
  app.post(r.G_PROPOSAL_REJECT, limit, async (c) => {
    const id = proposalId(c);
    if (!(await store.get(id))) return notFound(c);
    const { reason, guidance, rejected_by: by } = await jsonBody(c);
    if (typeof reason !== "string") throw new TypeError("reason must be a string");
    if (guidance !== undefined && !GUIDANCE.includes(guidance as never)) {
      throw new TypeError("Unknown guidance");
    }
    const rejectedBy = typeof by === "string" && by !== "" ? by : "gateway API";
    await store.reject(id, { reason, guidance: guidance as never, rejectedBy });
    return c.json({ id, status: "rejected" });
  });
}
