/**
 * The proposal routes of the gateway API: list, submit, read and wait (proxies and reviewers,
 * each seeing only what its credential may), and the reviewer's approve and reject.
 *
 * @module
 */

import type { Context, Hono, MiddlewareHandler } from "hono";
import type { ProposalInput } from "../../proxy/policy_local/mod.ts";
import { isGuidance } from "../../proxy/policy_local/mod.ts";
import * as r from "../client/mod.ts";
import { isProposalId, PROPOSAL_STATES, type ProposalState } from "../proposals/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import { proposalJson } from "../proposals/mod.ts";
import type { ProposalStore } from "../store/mod.ts";
import { visibleText } from "../text/mod.ts";
import {
  type Caller,
  ForbiddenError,
  type GatewayEnv,
  mayReadProposal,
  proxy,
  reader,
  reviewer,
} from "./_caller.ts";
import { reviewedHashOf, scopeOf } from "./lease_routes.ts";
import { badRequest, notFound } from "./http_error.ts";

/** What the proposal routes use. */
export interface ProposalRouteDeps {
  store: ProposalStore;
  /** Aborted when the server shuts down: long polls end at once. */
  closing?: AbortSignal;
}

const MAX_WAIT_S = 300;

type App = Hono<GatewayEnv>;

/**
 * The proposal routes: list, submit (a proxy, for its own sandbox and policy), read, and wait
 * for a decision (a long poll that ends when the server closes).
 */
export function proposalRoutes(app: App, deps: ProposalRouteDeps, limit: MiddlewareHandler): void {
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

/** The decision routes: a reviewer approves or rejects, under the reviewer's own name. */
export function decisionRoutes(app: App, store: ProposalStore, limit: MiddlewareHandler): void {
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
