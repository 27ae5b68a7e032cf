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
 * ```ts ignore
 * statusRoute(app, () => log.dropped);
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
