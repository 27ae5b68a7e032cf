/**
 * Scoped-rule routes of the gateway API: list the leases, revoke one (reviewer), report a used
 * once-rule (the proxy whose policy holds it), check policies against the org ceiling
 * (reviewer: the ceiling is never shown to a proxy credential, and its content to nobody), and
 * the scope an approval asks for.
 *
 * @module
 */

import type { Context, Hono, MiddlewareHandler } from "hono";
import { type GatewayEnv, proxy, reader, reviewer } from "./_caller.ts";
import { type ApprovalScope, approvalScopeOf, listLeases } from "../automation/mod.ts";
import { checkCeiling } from "../authority/mod.ts";
import * as r from "../client/mod.ts";
import type { RuleRemoval } from "../client/mod.ts";
import { isPolicyName, listPolicyNames } from "../repo/mod.ts";
import type { ProposalStore } from "../store/mod.ts";
import { badRequest } from "./http_error.ts";

const RULE_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The scope an approve request's body asks for (`{scope?, for?}`); undefined means durable.
 *
 * @throws {HTTPException} 400 for an unknown scope or a bad duration
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { scopeOf } from "./lease_routes.ts";
 * const app = new Hono().post("/approve", async (c) => c.json(await scopeOf(c) ?? "durable"));
 * const ask = (body: string) => app.request("/approve", { method: "POST", body });
 * assert.deepEqual(await (await ask('{"scope":"lease","for":"2h"}')).json(), { scope: "lease", forMs: 7_200_000 });
 * assert.equal(await (await ask("{}")).json(), "durable");
 * assert.equal((await ask('{"scope":"forever"}')).status, 400);
 * ```
 */
export async function scopeOf(c: Context): Promise<ApprovalScope | undefined> {
  const body = await c.req.json().catch(() => ({})) as Record<string, unknown> | null;
  try {
    return approvalScopeOf(body?.scope, body?.for);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

/**
 * The policy hash an approve request's body says the reviewer read the proposal against
 * (`current_policy_hash`, as `/review` reports it); undefined when absent.
 *
 * @throws {HTTPException} 400 when it is not a string
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { reviewedHashOf } from "./lease_routes.ts";
 * const app = new Hono().post("/approve", async (c) => c.json(await reviewedHashOf(c) ?? "-"));
 * const ask = (body: string) => app.request("/approve", { method: "POST", body });
 * assert.equal(await (await ask('{"current_policy_hash":"ab"}')).json(), "ab");
 * assert.equal(await (await ask("{}")).json(), "-");
 * assert.equal((await ask('{"current_policy_hash":1}')).status, 400);
 * ```
 */
export async function reviewedHashOf(c: Context): Promise<string | undefined> {
  const body = await c.req.json().catch(() => ({})) as Record<string, unknown> | null;
  const hash = body?.current_policy_hash;
  if (hash === undefined) return undefined;
  if (typeof hash !== "string") throw badRequest("current_policy_hash must be a string");
  return hash;
}

function ruleParam(c: Context): string {
  const rule = c.req.param("rule") ?? "";
  if (!RULE_KEY.test(rule)) throw badRequest("Invalid rule key");
  return rule;
}

function policyParam(value: unknown): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!isPolicyName(value)) throw badRequest("policy must be a policy name");
  return value;
}

const removed = (removals: RuleRemoval[]) => ({ removed: removals });

/**
 * Add the lease and ceiling routes to the gateway app.
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
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * await store.approve(submitted.proposal.id, { approvedBy: "alice", scope: { scope: "lease", forMs: 60_000 } });
 * const { leases } = await (await app.request("/v1/leases", { headers: alice })).json();
 * assert.deepEqual(leases.map((l: { rule: string }) => l.rule), ["gh"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function leaseRoutes(
  app: Hono<GatewayEnv>,
  store: ProposalStore,
  limit: MiddlewareHandler,
): void {
  const dir = store.policiesDir;
  app.get(r.ROUTE_LEASES, async (c) => {
    const caller = reader(c);
    const asked = policyParam(c.req.query("policy"));
    const only = caller.role === "proxy" ? caller.policy : asked;
    if (caller.role === "proxy" && asked !== undefined && asked !== only) {
      return c.json({ leases: [] });
    }
    return c.json({ leases: await listLeases(dir, Date.now(), only) });
  });
  app.post(r.ROUTE_LEASE_REVOKE, limit, async (c) => {
    const { name } = reviewer(c);
    const rule = ruleParam(c);
    const body = await c.req.json().catch(() => ({})) as Record<string, unknown> | null;
    const policy = policyParam(body?.policy);
    const holders = (await listLeases(dir, Date.now(), policy)).filter((l) => l.rule === rule);
    if (holders.length === 0) return c.json({ error: "not_found" }, 404);
    if (new Set(holders.map((l) => l.policy)).size > 1) {
      throw badRequest(`Several policies have a scoped rule "${rule}": name the policy`);
    }
    const end = { kind: "revoke" as const, ruleKey: rule, policy: holders[0]!.policy, by: name };
    return c.json(removed(await store.removeEnded(end)));
  });
  app.post(r.ROUTE_LEASE_USED, limit, async (c) => {
    const caller = proxy(c);
    const rule = ruleParam(c);
    const body = await c.req.json().catch(() => ({})) as Record<string, unknown> | null;
    const expiresAt = typeof body?.expires === "string" ? Date.parse(body.expires) : undefined;
    // Only this proxy's own policy, and only a once rule (of that expiry) granted to this
    // sandbox (or to none) ever ends here: another sandbox's report cannot spend it.
    const { policy, sandbox } = caller;
    const end = { kind: "once" as const, policy, ruleKey: rule, expiresAt, sandbox };
    return c.json(removed(await store.removeEnded(end)));
  });
  app.get(r.ROUTE_CEILING_CHECK, async (c) => {
    reviewer(c);
    const asked = policyParam(c.req.query("policy"));
    const names = asked === undefined ? await listPolicyNames(dir) : [asked];
    return c.json(await checkCeiling(dir, names, store.ceilingFile));
  });
}
