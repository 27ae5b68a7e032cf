/**
 * The gateway's deliberate HTTP answers (hono's `HTTPException`) and the one mapping of any
 * error to a response: a deliberate 4xx (or the remote's 503) says what was wrong, anything
 * else is a 500 that
 * carries no internal text (the operator hears it through `report`).
 *
 * @module
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ForbiddenError } from "./_caller.ts";
import { ProposalConflictError, UnknownProposalError } from "../proposals/mod.ts";
import { RemoteSyncError } from "../remote/mod.ts";

const CODES: Record<number, string> = {
  400: "bad_request",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  503: "remote_unavailable",
};

/** The 404 answer for what does not exist, or what the caller may not know exists. */
export function notFound(c: Context): Response {
  return c.json({ error: "not_found" }, 404);
}

/**
 * A deliberate 400: the request is wrong, and `detail` (safe to show) says how.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { badRequest } from "./http_error.ts";
 * assert.equal(badRequest("Invalid status").status, 400);
 * ```
 */
export function badRequest(detail: string): HTTPException {
  return new HTTPException(400, { message: detail });
}

/**
 * The JSON answer for an error thrown by a route: `{error, detail}` with the deliberate
 * status, or `500 {error: "internal"}` with nothing of the error's text (`report` hears it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { badRequest, errorResponse } from "./http_error.ts";
 * const heard: string[] = [];
 * const app = new Hono()
 *   .get("/bad", () => {
 *     throw badRequest("Invalid status");
 *   })
 *   .get("/bug", () => {
 *     throw new Error("secret internal detail");
 *   })
 *   .onError(errorResponse((line) => heard.push(line)));
 * const bad = await app.request("/bad");
 * assert.deepEqual([bad.status, await bad.json()], [400, { error: "bad_request", detail: "Invalid status" }]);
 * const bug = await app.request("/bug");
 * assert.deepEqual([bug.status, await bug.json()], [500, { error: "internal", detail: "Internal error" }]);
 * assert.match(heard[0]!, /secret internal detail/); // the operator hears it, the client does not
 * ```
 */
export function errorResponse(
  report?: (line: string) => void,
): (error: Error, c: Context) => Response {
  return (error, c) => {
    const status = deliberateStatus(error);
    if (status !== undefined) {
      return c.json({ error: CODES[status] ?? "error", detail: error.message }, status);
    }
    const what = `${c.req.method} ${new URL(c.req.url).pathname.slice(0, 200)}`;
    report?.(`gateway: internal error on ${what}: ${error.message.split("\n")[0]}`);
    return c.json({ error: "internal", detail: "Internal error" }, 500);
  };
}

function deliberateStatus(error: Error): ContentfulStatusCode | undefined {
  if (error instanceof HTTPException && error.status < 500) {
    return error.status as ContentfulStatusCode;
  }
  if (error instanceof ForbiddenError) return 403;
  // A RemoteSyncError is also a ProposalConflictError: the shared remote could not be reached.
  if (error instanceof RemoteSyncError) return 503;
  if (error instanceof UnknownProposalError) return 404;
  if (error instanceof ProposalConflictError) return 409;
  return undefined;
}
