/**
 * `GET /v1/status`: what a reviewer or the host should know about the gateway's health, today
 * the OCSF events it could not write (a full disk), so audit failures are never silent.
 *
 * @module
 */

import type { Hono } from "hono";
import { ForbiddenError, type GatewayEnv } from "./_caller.ts";
import { ROUTE_STATUS } from "../client/mod.ts";

/**
 * Add the status route to the gateway app.
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
 * const app = createGatewayApp({ store, watcher, hub, token: "host-token", credentials, auditDropped: () => 3 });
 * const alice = { authorization: `Bearer ${await credentials.addReviewer("alice")}` };
 * const res = await app.request("/v1/status", { headers: alice });
 * assert.deepEqual(await res.json(), { audit_log: { dropped: 3 } });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function statusRoute(app: Hono<GatewayEnv>, auditDropped?: () => number): void {
  app.get(ROUTE_STATUS, (c) => {
    if (c.get("caller").role === "proxy") {
      throw new ForbiddenError("Only a reviewer or the host may read the gateway's status");
    }
    return c.json({ audit_log: { dropped: auditDropped?.() ?? 0 } });
  });
}
