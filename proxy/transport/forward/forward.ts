/**
 * Plain-HTTP proxying (absolute-form requests): policy.local first, then the L4 decision,
 * the SSRF guard, the canonical path, the L7 decision for `rest` endpoints, and the exchange
 * over a pooled upstream connection. Every request is decided on its own.
 *
 * @module
 */

import { canonicalizePath } from "../../policy/mod.ts";
import { POLICY_LOCAL_HOST } from "../../policy_local/mod.ts";
import {
  type ClientConnection,
  isRefusal,
  sendDeny,
  sendError,
  ssrfDecision,
} from "../connection/mod.ts";
import { exchange } from "./exchange.ts";
import {
  classifyGraphqlBody,
  cookieProblem,
  type FormMethodGuard,
  formMethodGuard,
  inspectGraphql,
  isWebSocketUpgrade,
  requestQuestion,
  rereadBody,
} from "../request/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { values } from "../../wire/mod.ts";
import { servePolicyLocal } from "./policy_local_bridge.ts";
import { type AbsoluteTarget, hostHeader, parseAbsoluteTarget } from "../../wire/mod.ts";
import type { DestinationResult } from "../../upstream/mod.ts";
import { messageJudge } from "../upgrade_relay/mod.ts";

type Destination = Extract<DestinationResult, { ok: true }>;
type Admitted = {
  path: string;
  destination: Destination;
  body?: Uint8Array;
  guard?: FormMethodGuard;
  /** A `protocol: websocket` endpoint judges the path: its messages are decided. */
  websocket?: boolean;
};

/**
 * Handle one absolute-form request.
 *
 * @returns True when the client connection may carry another request.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { handleForward } from "./forward.ts";
 * import { readRequest } from "../connection/mod.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * await pair.send("GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\n\r\n");
 * const keepGoing = await handleForward(pair.client, (await readRequest(pair.client, true))!);
 * assert.equal(keepGoing, false); // denied: the 403 closes the connection
 * assert.match(await pair.received(), /^HTTP\/1.1 403 [^]*"layer":"l4"/);
 * ```
 */
export async function handleForward(client: ClientConnection, head: RequestHead): Promise<boolean> {
  const target = parseAbsoluteTarget(head.target);
  if (typeof target === "string") return await refuse(client, 400, "bad_request", target);
  if (target.host === POLICY_LOCAL_HOST) return await servePolicyLocal(client, head, target);
  if (target.scheme === "https") {
    const detail = "https:// URLs must be tunnelled: use CONNECT (set HTTPS_PROXY for the client)";
    return await refuse(client, 400, "bad_request", detail);
  }
  // The generation the request is decided under (a WebSocket is decided again past it).
  const since = client.ctx.holder.generation;
  const admitted = await admit(client, head, target);
  if (admitted === undefined) return false;
  const { path, destination, body, guard, websocket } = admitted;
  const pathAndQuery = target.query === undefined ? path : `${path}?${target.query}`;
  const authority = hostHeader(target, 80);
  // Decided again with the methods its body named so far (allowed, or it would have stopped).
  const named = guard?.named ?? [];
  const stillAllowed = () => decidedAgain(client.again(), head, target, { path, named, body });
  const judged = websocket && isWebSocketUpgrade(head);
  const { host, port, query } = target;
  const messages = judged
    ? messageJudge(client, {
      host,
      port,
      path,
      ...query === undefined ? {} : { query },
      scheme: "http",
    })
    : undefined;
  const outgoing = { head, pathAndQuery, authority, body, stillAllowed, since, guard, messages };
  return await exchange(client, outgoing, {
    host: target.host,
    port: target.port,
    address: destination.address,
    connectPort: destination.connectPort,
    tls: false,
    overridden: destination.overridden,
  });
}

/** The L4 decision, the SSRF guard, the canonical path and the L7 decision, in that order. */
async function admit(
  client: ClientConnection,
  head: RequestHead,
  target: AbsoluteTarget,
): Promise<Admitted | undefined> {
  const { ctx, stream } = client;
  const { host, port } = target;
  const l4 = await client.decide(host, port);
  if (l4.verdict === "deny") return void await sendDeny(stream, l4, ctx.skillPath);
  const destination = await client.destination(host, port, l4);
  if (!destination.ok) {
    await client.emit(ssrfDecision(l4, destination.reason), "http");
    return void await refuse(
      client,
      403,
      "ssrf_denied",
      `Destination refused: ${destination.reason}`,
    );
  }
  // Only a `rest` endpoint's rules look at paths; an L4 grant keeps encoded slashes.
  const path = canonicalizePath(target.rawPath, {
    allowEncodedSlash: l4.allowEncodedSlash ?? !l4.inspect,
  });
  if (!path.ok) {
    return void await refuse(client, 400, "bad_request", `Invalid request path: ${path.reason}`);
  }
  if (l4.inspect) {
    const question = requestQuestion(head, path.path, target.query);
    if (typeof question === "string") {
      return void await refuse(client, 400, "bad_request", question);
    }
    const body = await inspectGraphql(client, target, head, question);
    if (body === false) return undefined;
    const l7 = await client.decide(host, port, question);
    if (l7.verdict === "deny") {
      const userAgent = values(head.headers, "user-agent")[0];
      return void await sendDeny(stream, l7, ctx.skillPath, { userAgent });
    }
    const cookie = cookieProblem(head, l7);
    if (cookie !== undefined) return void await refuse(client, 400, "bad_request", cookie);
    // A `_method` in its form body is decided as the body streams past.
    const guard = formMethodGuard(client, head, {
      host,
      port,
      question,
      scheme: "http",
      allowed: l7,
    });
    return { path: path.path, destination, body, guard, websocket: l7.websocket === true };
  }
  return { path: path.path, destination };
}

/**
 * The L4 and L7 decisions of an admitted request, taken again (after a reload). A GraphQL
 * endpoint judges the body read at admission again; one still streaming counts as a no.
 */
async function decidedAgain(
  client: ClientConnection,
  head: RequestHead,
  target: AbsoluteTarget,
  { path, named, body }: { path: string; named: readonly string[]; body?: Uint8Array },
): Promise<boolean> {
  const { host, port } = target;
  const l4 = await client.decide(host, port);
  if (l4.verdict === "deny") return false;
  if (!l4.inspect) return true;
  const question = requestQuestion(head, path, target.query);
  if (typeof question === "string") return false;
  if (named.length > 0) question.methodOverrides = [...question.methodOverrides ?? [], ...named];
  const readBody = rereadBody(
    body,
    head.framing.kind === "none" ? () => Promise.resolve(body) : undefined,
  );
  if (isRefusal(await classifyGraphqlBody(client, target, { head, question, readBody }))) {
    return false;
  }
  return (await client.decide(host, port, question)).verdict !== "deny";
}

async function refuse(
  client: ClientConnection,
  status: number,
  code: string,
  detail: string,
): Promise<false> {
  await sendError(client.stream, status, code, detail);
  return false;
}
