/**
 * Plain-HTTP proxying (absolute-form requests): policy.local first, then the L4 decision,
 * the SSRF guard, the canonical path, the L7 decision for `rest` endpoints, and the exchange
 * over a pooled upstream connection. Every request is decided on its own.
 *
 * @module
 */

import { canonicalizePath } from "../policy/mod.ts";
import { POLICY_LOCAL_HOST } from "../policy_local/mod.ts";
import type { ClientConnection } from "./client_connection.ts";
import { exchange } from "./exchange.ts";
import type { RequestHead } from "./http1_head.ts";
import { servePolicyLocal } from "./policy_local_bridge.ts";
import { hostHeader, parseAbsoluteTarget } from "./request_target.ts";
import { sendDeny, sendError } from "./responses.ts";

/**
 * Handle one absolute-form request.
 *
 * @returns True when the client connection may carry another request.
 * @example
 * ```ts ignore
 * const keepGoing = await handleForward(client, head);
 * ```
 */
export async function handleForward(client: ClientConnection, head: RequestHead): Promise<boolean> {
  const { ctx, stream } = client;
  const target = parseAbsoluteTarget(head.target);
  if (typeof target === "string") {
    await sendError(stream, 400, "bad_request", target);
    return false;
  }
  if (target.host === POLICY_LOCAL_HOST) return await servePolicyLocal(client, head, target);
  if (target.scheme === "https") {
    const detail = "https:// URLs must be tunnelled: use CONNECT (set HTTPS_PROXY for the client)";
    await sendError(stream, 400, "bad_request", detail);
    return false;
  }
  const { host, port } = target;
  const l4 = await client.decide(host, port);
  if (l4.verdict === "deny") {
    await sendDeny(stream, l4, ctx.skillPath);
    return false;
  }
  const destination = await ctx.destinations.resolve(host, port, l4.allowedIps);
  if (!destination.ok) {
    client.emit(client.ssrfDecision(l4, destination.reason), "http");
    await sendError(stream, 403, "ssrf_denied", `Destination refused: ${destination.reason}`);
    return false;
  }
  const path = canonicalizePath(target.rawPath, {
    // Only a `rest` endpoint's rules look at paths; an L4 grant keeps encoded slashes.
    allowEncodedSlash: l4.allowEncodedSlash ?? !l4.inspect,
  });
  if (!path.ok) {
    await sendError(stream, 400, "bad_request", `Invalid request path: ${path.reason}`);
    return false;
  }
  if (l4.inspect) {
    const l7 = await client.decide(host, port, {
      method: head.method,
      path: path.path,
      query: target.query,
    });
    if (l7.verdict === "deny") {
      await sendDeny(stream, l7, ctx.skillPath);
      return false;
    }
  }
  const pathAndQuery = target.query === undefined ? path.path : `${path.path}?${target.query}`;
  return await exchange(client, { head, pathAndQuery, authority: hostHeader(target, 80) }, {
    host,
    port,
    address: destination.address,
    connectPort: destination.connectPort,
    tls: false,
    overridden: destination.overridden,
  });
}
