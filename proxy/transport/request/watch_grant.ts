/**
 * The grant of an exchange still in work, watched across reloads.
 *
 * @module
 */

import type { BodyReader } from "./graphql_body.ts";
import { type LivePolicy, refusal } from "../connection/mod.ts";

/**
 * What a re-decision reads in place of a body still streaming upstream: a GraphQL endpoint that
 * would have to read it counts as a no (it cannot be read twice).
 */
export const bodyInFlight = (): Promise<ReturnType<typeof refusal>> =>
  Promise.resolve(refusal(409, "body_in_flight", "The request body is streaming upstream"));

/**
 * What a re-decision reads as the request's body: the body read at admission when there was
 * one, `bodiless` for a request without a body, else {@linkcode bodyInFlight}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rereadBody } from "./watch_grant.ts";
 * const body = new Uint8Array([1]);
 * assert.equal(await rereadBody(body, undefined)(1024, "too big"), body);
 * assert.equal((await rereadBody(undefined, undefined)(1024, "too big") as { status: number }).status, 409);
 * ```
 */
export function rereadBody(
  body: Uint8Array | undefined,
  bodiless: BodyReader | undefined,
): BodyReader {
  if (body !== undefined) return () => Promise.resolve(body);
  return bodiless ?? bodyInFlight;
}

/**
 * Ask `stillAllowed` at each reload of `holder` (and at once when the generation already moved
 * past `since`, the one the request was decided under) until the returned stop is called; a no
 * (or a failure to answer) calls `end` once. A request body that streams from the client is a
 * channel to the origin as long-lived as a WebSocket: without this, an upload begun under a rule
 * kept carrying bytes after the rule was revoked or its lease swept, as long as the client fed
 * it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { watchGrant } from "./watch_grant.ts";
 * const listeners = new Set<() => void>();
 * const holder = { generation: 1, subscribe: (f: () => void) => (listeners.add(f), () => void listeners.delete(f)) };
 * let ended = 0;
 * const stop = watchGrant(holder, () => Promise.resolve(false), 1, () => ended++);
 * for (const f of listeners) f(); // a reload that revokes it
 * await new Promise((r) => setTimeout(r, 0));
 * assert.equal(ended, 1);
 * stop();
 * assert.equal(listeners.size, 0);
 * ```
 */
export function watchGrant(
  holder: Pick<LivePolicy, "subscribe" | "generation">,
  stillAllowed: (() => Promise<boolean>) | undefined,
  since: number | undefined,
  end: () => void,
): () => void {
  if (stillAllowed === undefined) return () => {};
  let over = false;
  const check = async () => {
    if (over || (await stillAllowed().catch(() => false))) return;
    if (!over) end();
    over = true;
  };
  const unsubscribe = holder.subscribe(() => void check());
  if (since !== undefined && holder.generation !== since) void check();
  return () => {
    over = true;
    unsubscribe();
  };
}
