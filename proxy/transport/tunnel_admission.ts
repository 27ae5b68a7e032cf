/**
 * Whether one request inside an intercepted tunnel may go upstream: the authority it names,
 * the tunnel's grant after a reload, the canonical path and the L7 decision, in that order.
 * It only decides (and records); the caller renders the refusal in its own protocol.
 *
 * @module
 */

import { canonicalizePath, type Decision } from "../policy/mod.ts";
import type { ClientConnection } from "./client_connection.ts";
import type { TunnelDestination } from "./connect.ts";
import type { RequestHead } from "./http1_head.ts";
import { requestQuestion } from "./request_question.ts";
import { parseAuthority, splitPathQuery } from "./request_target.ts";

/** The grant a tunnel runs under; re-decided when the policy generation moves. */
export interface TunnelGrant {
  /** The L4 decision in force for the tunnel. */
  l4: Decision;
  /** The policy generation `l4` was decided under. */
  generation: number;
}

/** The outcome of {@linkcode admitTunnelRequest}. */
export type Admission =
  | { kind: "allow"; pathAndQuery: string }
  | { kind: "deny"; decision: Decision }
  | { kind: "refuse"; status: number; code: string; detail: string };

/**
 * Decide one request of an intercepted (TLS) tunnel; every decision is recorded.
 *
 * @param request The request head (origin-form target) and the authority it names.
 * @example
 * ```ts ignore
 * const admission = await admitTunnelRequest(client, destination, grant, { head, authority });
 * ```
 */
export async function admitTunnelRequest(
  client: ClientConnection,
  destination: TunnelDestination,
  grant: TunnelGrant,
  request: { head: RequestHead; authority: string | undefined },
): Promise<Admission> {
  const { ctx } = client;
  const { host, port } = destination;
  const misdirected = authorityProblem(request.authority, destination);
  if (misdirected !== undefined) return misdirected;
  // A reload since the grant was decided: the tunnel's own grant is decided again first.
  if (ctx.holder.generation !== grant.generation) {
    grant.generation = ctx.holder.generation;
    grant.l4 = await client.decide(host, port, undefined, "https");
    const refused = await regranted(client, destination, grant);
    if (refused !== undefined) return refused;
  }
  const { l4 } = grant;
  // A grant denied by a reload stays denied for every later request of the tunnel.
  if (l4.verdict === "deny") return { kind: "deny", decision: l4 };
  const { rawPath, query } = splitPathQuery(request.head.target);
  const path = canonicalizePath(rawPath, {
    allowEncodedSlash: l4.allowEncodedSlash ?? !l4.inspect,
  });
  if (!path.ok) return badRequest(`Invalid request path: ${path.reason}`);
  if (l4.inspect) {
    const question = requestQuestion(request.head, path.path, query);
    if (typeof question === "string") return badRequest(question);
    const l7 = await client.decide(host, port, question, "https");
    if (l7.verdict === "deny") return { kind: "deny", decision: l7 };
  }
  return { kind: "allow", pathAndQuery: query === undefined ? path.path : `${path.path}?${query}` };
}

/** A refusal when the grant decided again no longer lets the tunnel reach its address. */
async function regranted(
  client: ClientConnection,
  destination: TunnelDestination,
  grant: TunnelGrant,
): Promise<Admission | undefined> {
  const { l4 } = grant;
  if (l4.verdict === "deny") return { kind: "deny", decision: l4 };
  const { host, port, address } = destination;
  const checked = client.ctx.destinations.recheck(host, port, address, l4.allowedIps);
  if (checked.ok) return undefined;
  // Later requests of the tunnel (other HTTP/2 streams) are refused too.
  grant.l4 = client.ssrfDecision(l4, checked.reason);
  await client.emit(grant.l4, "https");
  const detail = `Destination refused: ${checked.reason}`;
  return { kind: "refuse", status: 403, code: "ssrf_denied", detail };
}

function authorityProblem(
  authority: string | undefined,
  destination: TunnelDestination,
): Admission | undefined {
  if (authority === undefined) return undefined;
  const named = parseAuthority(authority, destination.port);
  if (
    typeof named === "string" || named.host !== destination.host || named.port !== destination.port
  ) {
    const detail = `The authority does not name the tunnel's host ${destination.host}`;
    return { kind: "refuse", status: 421, code: "misdirected_request", detail };
  }
  return undefined;
}

function badRequest(detail: string): Admission {
  return { kind: "refuse", status: 400, code: "bad_request", detail };
}
