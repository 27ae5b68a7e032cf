/**
 * Who is calling the gateway, from the bearer token: the host's enrolment token
 * (`STATE/gateway.token`, which may only enrol and retire proxies), a proxy credential (one
 * sandbox, one policy) or a reviewer credential (one named person). Each route checks the
 * role it needs; the answer for the wrong role is 403 `forbidden`.
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import type { CredentialStore } from "../credentials/mod.ts";

/** The authenticated caller of one request. */
export type Caller =
  | { role: "host" }
  | { role: "reviewer"; name: string }
  | { role: "proxy"; sandbox: string; policy: string };

/** Hono environment of the gateway app: the caller is set before any route runs. */
export interface GatewayEnv {
  /** Request-scoped values. */
  Variables: { caller: Caller };
}

/** An answer for a caller whose role may not use a route. */
export class ForbiddenError extends Error {
  /** Error name. */
  override name = "ForbiddenError";
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Middleware: 401 without a known token, else `c.get("caller")`. */
export function authenticate(
  hostToken: string,
  credentials: CredentialStore,
): MiddlewareHandler<GatewayEnv> {
  const host = digest(`Bearer ${hostToken}`);
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const caller = timingSafeEqual(digest(header), host)
      ? { role: "host" as const }
      : await fromCredential(header, credentials);
    if (!caller) {
      c.header("WWW-Authenticate", "Bearer");
      return c.json({ error: "unauthorized" }, 401);
    }
    c.set("caller", caller);
    await next();
  };
}

async function fromCredential(
  header: string,
  credentials: CredentialStore,
): Promise<Caller | undefined> {
  if (!header.startsWith("Bearer ")) return undefined;
  const found = await credentials.find(header.slice(7));
  if (found?.role === "reviewer") return { role: "reviewer", name: found.name };
  if (found?.role === "proxy") {
    return { role: "proxy", sandbox: found.sandbox!, policy: found.policy! };
  }
  return undefined;
}

/** The caller, which must be a reviewer. */
export function reviewer(c: Context<GatewayEnv>): { role: "reviewer"; name: string } {
  const caller = c.get("caller");
  if (caller.role !== "reviewer") {
    throw new ForbiddenError("Only a reviewer credential may approve or reject");
  }
  return caller;
}

/** The caller, which must be a proxy. */
export function proxy(c: Context<GatewayEnv>): { role: "proxy"; sandbox: string; policy: string } {
  const caller = c.get("caller");
  if (caller.role !== "proxy") throw new ForbiddenError("Only a proxy credential may submit");
  return caller;
}

/** The caller, which must be a reviewer or a proxy (the readers). */
export function reader(c: Context<GatewayEnv>): Exclude<Caller, { role: "host" }> {
  const caller = c.get("caller");
  if (caller.role === "host") {
    throw new ForbiddenError("The enrolment token may only enrol proxies: use a proxy credential");
  }
  return caller;
}

/** Whether `caller` may see a proposal of `sandbox` (reviewers see all; a proxy its own). */
export function mayReadProposal(caller: Caller, sandbox: string | undefined): boolean {
  return caller.role === "reviewer" || (caller.role === "proxy" && sandbox === caller.sandbox);
}

/** Whether `caller` may see policy `name` (reviewers see all; a proxy its own). */
export function mayReadPolicy(caller: Caller, name: string | undefined): boolean {
  return caller.role === "reviewer" || (caller.role === "proxy" && name === caller.policy);
}
