/**
 * Enrolment routes of the gateway API: the host's token buys a sandbox a proxy credential for
 * one policy (under a new id, or under the id the proxy already has when that id was minted
 * with the same host token: a proxy failing over keeps its sandbox, see `sandbox_id.ts`), and
 * a proxy (or the host) retires it when the sandbox ends, which also ends the sandbox's
 * session-scoped rules (removed with a commit).
 *
 * @module
 */

import type { Context, Hono, MiddlewareHandler } from "hono";
import { ForbiddenError, type GatewayEnv } from "./_caller.ts";
import type { CredentialStore } from "../credentials/mod.ts";
import type { DirectoryWatcher } from "../events/mod.ts";
import * as r from "../client/mod.ts";
import { isPolicyName } from "../repo/mod.ts";
import type { ProposalStore } from "../store/mod.ts";
import { mintSandboxId, sandboxIdMintedWith } from "./sandbox_id.ts";
import { badRequest } from "./http_error.ts";

/** What the enrolment routes use. */
export interface SandboxRouteDeps {
  store: ProposalStore;
  watcher: DirectoryWatcher;
  credentials: CredentialStore;
  /** The host's enrolment token (it mints sandbox ids). */
  token: string;
  /** The gateway's repository and state, for the runner to fence (see `gatewayFence()`). */
  fence?: r.GatewayFence;
}

/**
 * Add `POST /v1/sandboxes` (`{policy, sandbox?}`; the answer also carries the gateway's
 * `fence`) and `DELETE /v1/sandboxes/:sandbox` to the
 * gateway app.
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
 * const host = { authorization: "Bearer host-token", "content-type": "application/json" };
 * const res = await app.request("/v1/sandboxes", { method: "POST", headers: host, body: '{"policy":"team"}' });
 * const { sandbox, token } = await res.json();
 * assert.equal((await credentials.find(token))?.sandbox, sandbox);
 * const retired = await app.request(`/v1/sandboxes/${sandbox}`, { method: "DELETE", headers: host });
 * assert.equal(retired.status, 200);
 * assert.equal(await credentials.find(token), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function sandboxRoutes(
  app: Hono<GatewayEnv>,
  deps: SandboxRouteDeps,
  limit: MiddlewareHandler,
): void {
  app.post(r.ROUTE_SANDBOXES, limit, async (c) => {
    if (c.get("caller").role !== "host") {
      throw new ForbiddenError("Only the host's enrolment token may enrol a proxy");
    }
    const body = await c.req.json().catch(() => ({})) as Record<string, unknown>;
    const { policy, sandbox: asked } = body ?? {};
    if (typeof policy !== "string" || !isPolicyName(policy)) {
      throw badRequest("policy must be a policy name");
    }
    if (asked !== undefined && typeof asked !== "string") {
      throw badRequest("sandbox must be a sandbox id");
    }
    if (asked !== undefined && !sandboxIdMintedWith(asked, deps.token)) {
      throw new ForbiddenError(
        `Sandbox "${asked.slice(0, 80)}" was not enrolled with this host's enrolment token`,
      );
    }
    if (!deps.watcher.policy(policy)) return c.json({ error: "not_found" }, 404);
    const { sandbox, token } = await deps.credentials.enrolProxy(policy, {
      sandbox: asked ?? mintSandboxId(deps.token),
      rejoin: asked !== undefined,
    });
    return c.json({ sandbox, policy, token, fence: deps.fence }, 201);
  });
  app.delete(r.ROUTE_SANDBOX, async (c: Context<GatewayEnv>) => {
    const caller = c.get("caller");
    const sandbox = c.req.param("sandbox") ?? "";
    if (caller.role !== "host" && !(caller.role === "proxy" && caller.sandbox === sandbox)) {
      throw new ForbiddenError("A proxy credential may only retire itself");
    }
    const retired = await deps.credentials.retireProxy(sandbox);
    // The sandbox ended: its session rules end too. A failed commit is retried by nothing
    // else, but the rules already serve no other sandbox, so the retirement still stands.
    await deps.store.removeEnded({ kind: "session", sandbox }).catch(() => {});
    return c.json({ sandbox, retired });
  });
}
