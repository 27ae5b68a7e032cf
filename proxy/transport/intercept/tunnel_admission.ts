/**
 * The one place where a request inside an intercepted tunnel is decided, for HTTP/1.1 and
 * HTTP/2 alike: the target and authority it names, the tunnel's grant after a reload (and the
 * SSRF guard again), the canonical path, then the L7 question (its GraphQL body read and
 * classified first when a GraphQL endpoint judges it) and the decision. It only decides (and
 * records); the caller renders the refusal in its own protocol and forwards what was allowed.
 *
 * @module
 */

import { canonicalizePath, type Decision } from "../../policy/mod.ts";
import {
  type ClientConnection,
  isRefusal,
  type Refusal,
  refusal,
  ssrfDecision,
} from "../connection/mod.ts";
import type { TunnelDestination } from "../../upstream/mod.ts";
import {
  type BodyReader,
  classifyGraphqlBody,
  cookieProblem,
  type FormMethodGuard,
  formMethodGuard,
  requestQuestion,
} from "../request/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { parseAuthority, splitPathQuery } from "../../wire/mod.ts";

/** The grant a tunnel runs under; re-decided when the policy generation moves. */
export interface TunnelGrant {
  /** The L4 decision in force for the tunnel. */
  l4: Decision;
  /** The policy generation `l4` was decided under. */
  generation: number;
}

/** One intercepted tunnel as its requests are decided. */
export interface Tunnel {
  /** Where the tunnel goes (the CONNECT target). */
  destination: TunnelDestination;
  /** Shared by every request of the tunnel (HTTP/2: by every stream of the session). */
  grant: TunnelGrant;
  /** `https` when the client speaks TLS inside the tunnel (for the OCSF events). */
  scheme: "http" | "https";
}

/** One request inside a tunnel, whatever protocol carried it. */
export interface TunnelRequest {
  /** The request head; its target must be origin-form. */
  head: RequestHead;
  /** The authority it names (HTTP/1.1 `Host`, HTTP/2 `:authority` or `host`), if any. */
  authority: string | undefined;
  /** Reads its body when a GraphQL endpoint must see it before deciding. */
  readBody: BodyReader;
  /** Methods its form body named (`_method`), decided as overrides when it is decided again. */
  bodyMethods?: readonly string[];
}

/** The outcome of {@linkcode admitTunnelRequest}. */
export type Admission =
  | {
    kind: "allow";
    pathAndQuery: string;
    body?: Uint8Array;
    guard?: FormMethodGuard;
    /** The canonical path, when a `protocol: websocket` endpoint judges it (its messages). */
    websocketPath?: string;
  }
  | { kind: "deny"; decision: Decision }
  | Refusal;

/**
 * Decide one request of an intercepted tunnel; every decision is recorded.
 *
 * @returns Allowed (with the canonical target, and the body read when it was judged: exactly
 *   those bytes go upstream), denied by the policy (the structured 403), or refused.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { http1BodyReader } from "../request/mod.ts";
 * import { readRequest } from "../connection/mod.ts";
 * import { admitTunnelRequest } from "./tunnel_admission.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   api:
 *     endpoints: [{ host: api.test, port: 443, protocol: rest, access: read-only }]
 * `;
 * await using pair = await clientPair(policy);
 * const l4 = await pair.client.decide("api.test", 443); // the CONNECT's grant
 * const address = "127.0.0.1";
 * const tunnel = {
 *   destination: { host: "api.test", port: 443, address, connectPort: 443, overridden: true },
 *   grant: { l4, generation: pair.ctx.holder.generation },
 *   scheme: "https" as const,
 * };
 * await pair.send("DELETE /repos/x HTTP/1.1\r\nHost: api.test\r\n\r\n");
 * const head = (await readRequest(pair.client, true))!;
 * const readBody = http1BodyReader(pair.client, head);
 * const request = { head, authority: "api.test", readBody };
 * const admission = await admitTunnelRequest(pair.client, tunnel, request);
 * assert.equal(admission.kind, "deny"); // read-only access
 * ```
 */
export async function admitTunnelRequest(
  client: ClientConnection,
  tunnel: Tunnel,
  request: TunnelRequest,
): Promise<Admission> {
  const { destination, grant, scheme } = tunnel;
  const { host, port } = destination;
  const { head } = request;
  if (!head.target.startsWith("/")) {
    return badRequest("Requests inside a tunnel must use origin-form targets (/path)");
  }
  const misdirected = authorityProblem(request.authority, destination);
  if (misdirected !== undefined) return misdirected;
  // A reload since the grant was decided: the tunnel's own grant is decided again first.
  if (client.ctx.holder.generation !== grant.generation) {
    grant.generation = client.ctx.holder.generation;
    grant.l4 = await client.decide(host, port, undefined, scheme);
    const refused = await regranted(client, tunnel);
    if (refused !== undefined) return refused;
  }
  const { l4 } = grant;
  // A grant denied by a reload stays denied for every later request of the tunnel.
  if (l4.verdict === "deny") return { kind: "deny", decision: l4 };
  const { rawPath, query } = splitPathQuery(head.target);
  const path = canonicalizePath(rawPath, {
    allowEncodedSlash: l4.allowEncodedSlash ?? !l4.inspect,
  });
  if (!path.ok) return badRequest(`Invalid request path: ${path.reason}`);
  const pathAndQuery = query === undefined ? path.path : `${path.path}?${query}`;
  if (!l4.inspect) return { kind: "allow", pathAndQuery };
  const question = requestQuestion(head, path.path, query);
  if (typeof question === "string") return badRequest(question);
  const named = request.bodyMethods ?? [];
  if (named.length > 0) question.methodOverrides = [...question.methodOverrides ?? [], ...named];
  const body = await classifyGraphqlBody(client, destination, {
    head,
    question,
    readBody: request.readBody,
  });
  if (isRefusal(body)) return body;
  const l7 = await client.decide(host, port, question, scheme);
  if (l7.verdict === "deny") return { kind: "deny", decision: l7 };
  const cookie = cookieProblem(head, l7);
  if (cookie !== undefined) return badRequest(cookie);
  if (body !== undefined) return { kind: "allow", pathAndQuery, body };
  const allowed = l7.websocket ? { pathAndQuery, websocketPath: path.path } : { pathAndQuery };
  // A `_method` in its form body is decided as the body streams past.
  const guard = formMethodGuard(client, head, { host, port, question, scheme, allowed: l7 });
  return guard === undefined ? { kind: "allow", ...allowed } : { kind: "allow", ...allowed, guard };
}

/** A refusal when the grant decided again no longer lets the tunnel reach its address. */
async function regranted(client: ClientConnection, tunnel: Tunnel): Promise<Admission | undefined> {
  const { grant, destination } = tunnel;
  const { l4 } = grant;
  if (l4.verdict === "deny") return { kind: "deny", decision: l4 };
  const { host, port, address } = destination;
  const checked = client.ctx.destinations.recheck(host, port, address, l4.allowedIps);
  if (checked.ok) return undefined;
  // Later requests of the tunnel (other HTTP/2 streams) are refused too.
  grant.l4 = ssrfDecision(l4, checked.reason);
  await client.emit(grant.l4, tunnel.scheme);
  return refusal(403, "ssrf_denied", `Destination refused: ${checked.reason}`);
}

function authorityProblem(
  authority: string | undefined,
  destination: TunnelDestination,
): Refusal | undefined {
  if (authority === undefined) return undefined;
  // Fast path: the authority most clients send, byte for byte.
  const lower = authority.toLowerCase();
  if (lower === destination.host || lower === `${destination.host}:${destination.port}`) {
    return undefined;
  }
  const named = parseAuthority(authority, destination.port);
  if (
    typeof named === "string" || named.host !== destination.host || named.port !== destination.port
  ) {
    const detail = `The request's authority does not name the tunnel's host ${destination.host}`;
    return refusal(421, "misdirected_request", detail);
  }
  return undefined;
}

function badRequest(detail: string): Refusal {
  return refusal(400, "bad_request", detail);
}
