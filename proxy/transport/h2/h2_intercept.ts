/**
 * HTTP/2 inside an intercepted tunnel (a client that negotiated `h2`): each stream is decided
 * on its own by the same admission as an HTTP/1.1 request (`tunnel_admission.ts`, which reads
 * a GraphQL body off the stream under the body idle limit), answered with the structured 403
 * when denied (the session stays open for the others), and forwarded when allowed.
 *
 * @module
 */

import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { TLSSocket } from "node:tls";
import type { Decision } from "../../policy/mod.ts";
import { type BodyHold, BodySlots } from "./_body_slots.ts";
import { sessionBacklog } from "./_h2_backlog.ts";
import {
  AnswerRefusedError,
  type ClientConnection,
  H2_STREAM_WINDOW,
  TOO_MANY_BODIES,
} from "../connection/mod.ts";
import { refuseStream, resetStream } from "./_h2_reset.ts";
import { BodyBudgetSpentError, type BodyLease } from "../../wire/mod.ts";
import type { TunnelDestination } from "../../upstream/mod.ts";
import {
  type BodyReader,
  type BodyStop,
  BodyStoppedError,
  rereadBody,
  watchGrant,
} from "../request/mod.ts";
import { discardBody, readH2Body } from "./h2_body.ts";
import { h2Request } from "./h2_request.ts";
import { respondH2Deny, respondH2Error } from "./h2_responses.ts";
import { serveH2 } from "./h2_server.ts";
import { H2Upstream } from "./h2_upstream.ts";
import { hostHeader } from "../../wire/mod.ts";
import { admitTunnelRequest, type Tunnel, type TunnelGrant } from "../intercept/mod.ts";
import { UpstreamError } from "../../upstream/mod.ts";

/**
 * Serve an intercepted tunnel's HTTP/2 session until it closes.
 *
 * @param secure The client's TLS socket, handshake done with ALPN `h2`.
 * @param l4 The allowed L4 decision the tunnel was opened under.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as http2 from "node:http2";
 * import * as net from "node:net";
 * import * as tls from "node:tls";
 * import { clientPair } from "../examples/mod.ts";
 * import { serveH2Tunnel } from "./h2_intercept.ts";
 * import { negotiatedProtocol } from "../intercept/mod.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   api:
 *     endpoints: [{ host: api.test, port: 443, protocol: rest, access: read-only }]
 * `;
 * await using pair = await clientPair(policy); // its context, CA and identity
 * const l4 = await pair.client.decide("api.test", 443); // the CONNECT's grant
 * const address = "127.0.0.1";
 * const destination = { host: "api.test", port: 443, address, connectPort: 443, overridden: true };
 * const secureContext = await pair.ctx.ca.secureContextFor("api.test");
 * type TlsOptions = ConstructorParameters<typeof tls.TLSSocket>[1];
 * const options = { isServer: true, secureContext, ALPNCallback: () => "h2" } as TlsOptions;
 * const tunnels: Promise<void>[] = [];
 * const server = net.createServer((raw) => {
 *   const secure = new tls.TLSSocket(raw, options);
 *   const serving = negotiatedProtocol(secure, 5_000).then(() =>
 *     serveH2Tunnel(pair.client, secure, destination, l4)
 *   );
 *   tunnels.push(serving);
 * });
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as net.AddressInfo;
 * const ca = pair.caPem;
 * const session = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: "api.test" });
 * const headers = { ":method": "DELETE", ":path": "/x", ":authority": "api.test" };
 * const request = session.request(headers);
 * const status = await new Promise((resolve) => {
 *   request.on("response", (response) => resolve(response[":status"]));
 * });
 * assert.equal(status, 403); // read-only: decided on the stream, never sent upstream
 * request.resume();
 * await new Promise<void>((resolve) => session.close(resolve));
 * await Promise.all(tunnels);
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export async function serveH2Tunnel(
  client: ClientConnection,
  secure: TLSSocket,
  destination: TunnelDestination,
  l4: Decision,
): Promise<void> {
  const grant: TunnelGrant = { l4, generation: client.ctx.holder.generation };
  const upstream = new H2Upstream(client.ctx, {
    host: destination.host,
    port: destination.port,
    address: destination.address,
    connectPort: destination.connectPort,
    tls: true,
    overridden: destination.overridden,
  }, client.ctx.answerBudget.share());
  const bodies = new BodySlots();
  const session: Session = { destination, grant, scheme: "https", upstream, inWork: 0, bodies };
  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    if (session.inWork >= MAX_STREAMS_IN_WORK) return calmDown(stream);
    session.inWork++;
    // Each stream its own exchange: a once rule it spends is its own, reported when it ends.
    const exchange = client.forExchange();
    void serveStream(exchange, session, stream, headers)
      .catch(() => stream.destroy())
      .finally(() => (session.inWork--, exchange.endExchange()));
  };
  try {
    await serveH2(secure, { onStream, idleMs: client.ctx.idleTimeoutMs });
  } finally {
    upstream.close();
  }
}

/** The tunnel the session's streams are decided in, and where allowed ones go. */
interface Session extends Tunnel {
  upstream: H2Upstream;
  /** Streams still being decided or answered (a stream the client reset may still be). */
  inWork: number;
  /** The request bodies its streams may hold in memory at once. */
  bodies: BodySlots;
}

// The session allows 100 open streams (h2_server.ts). More still in work means the client
// resets streams as fast as it opens them (HTTP/2 "rapid reset", CVE-2023-44487), each one a
// decision and an upstream request for the proxy and nothing for the client.
const MAX_STREAMS_IN_WORK = 200;

/** End the session of a client that keeps resetting streams: GOAWAY ENHANCE_YOUR_CALM. */
function calmDown(stream: ServerHttp2Stream): void {
  const { session } = stream;
  if (session === undefined || session.destroyed) return;
  session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
  session.destroy();
}

/**
 * What one stream with a body may hold unread in the proxy, counted in the body budget while it
 * is open: its window ({@linkcode H2_STREAM_WINDOW}, 256 KiB), what Deno's `node:http2` reads
 * ahead once the stream flows (one more window) and, relayed to an HTTP/2 origin that reads
 * slowly, the upstream stream's 64 KiB buffer: 576 KiB. Measured (an origin that stops reading
 * at 8 points of the flow, tests/proxy_hostile_h2_windows_test.ts): at most 400 KiB.
 */
export const STREAM_WINDOW_HOLD = 2 * H2_STREAM_WINDOW + 64 * 1024;

async function serveStream(
  client: ClientConnection,
  session: Session,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
): Promise<void> {
  // A client that reads nothing gets no more answers queued for it (even 403s): they wait.
  await sessionBacklog(stream);
  const hold = session.bodies.hold();
  const lease = client.ctx.bodyBudget.lease();
  // A stream reset while it waits for a body slot (or budget) stops waiting.
  const leave = () => (hold.release(), lease.release());
  stream.once("close", leave);
  try {
    // A stream with a body holds bytes unread in the proxy before anything reads them: counted
    // from the start, or the stream is refused at once (waiting, its window would fill).
    if (!stream.endAfterHeaders && !lease.tryGrow(STREAM_WINDOW_HOLD)) {
      const spent = new BodyBudgetSpentError().message;
      respondH2Error(stream, 503, TOO_MANY_BODIES, spent, headers);
    } else await answerStream(client, session, stream, headers, { hold, lease });
  } finally {
    leave();
  }
  // Answered without reading all of its body (denied, refused): the stream does not linger.
  discardBody(stream, client.ctx.idleTimeoutMs);
}

async function answerStream(
  client: ClientConnection,
  session: Session,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  { hold, lease }: { hold: BodyHold; lease: BodyLease },
): Promise<void> {
  const { ctx } = client;
  const request = h2Request(headers, session.destination.port);
  if (typeof request === "string") {
    return respondH2Error(stream, 400, "bad_request", request, headers);
  }
  // The same admission as an HTTP/1.1 request; a GraphQL body is read off this stream.
  const readBody: BodyReader = async (cap, tooLarge) => {
    // Read whole (a GraphQL endpoint judges it): only as many at once as the session has slots.
    if (!stream.endAfterHeaders) await hold.take();
    const { framing } = request.head;
    const declared = framing.kind === "length" ? framing.length : undefined;
    return await readH2Body(stream, { cap, tooLarge, idleMs: ctx.idleTimeoutMs, lease, declared });
  };
  const since = ctx.holder.generation; // decided under it (its streaming body is watched past it)
  const admission = await admitTunnelRequest(client, session, { ...request, readBody });
  if (admission.kind === "deny") {
    return respondH2Deny(stream, admission.decision, ctx.skillPath, headers);
  }
  if (admission.kind === "refuse") {
    const { status, code, detail } = admission;
    return respondH2Error(stream, status, code, detail, headers);
  }
  // Reset while it was decided: nobody waits for an answer, so nothing goes upstream.
  if (stream.closed || stream.destroyed) return;
  const authority = hostHeader(session.destination, 443);
  const { pathAndQuery, body, guard } = admission;
  // While its body flows from the client or its answer to it, a reload that no longer allows
  // the request resets the stream. A body read at admission is judged again.
  const reread = rereadBody(body, stream.endAfterHeaders ? readBody : undefined);
  const again = { ...request, readBody: reread, bodyMethods: guard?.named };
  const stillAllowed = async () =>
    (await admitTunnelRequest(client.again(), session, again)).kind === "allow";
  const unwatch = watchGrant(ctx.holder, stillAllowed, since, () => resetStream(stream));
  try {
    const outgoing = { request, pathAndQuery, authority, body, hold, lease, guard };
    await session.upstream.forward(stream, outgoing);
  } catch (error) {
    if (stream.headersSent) return void stream.destroy();
    if (error instanceof AnswerRefusedError) return refuseStream(stream);
    if (error instanceof BodyStoppedError) return respondStop(stream, error.stop, headers, ctx);
    const failure = error instanceof UpstreamError
      ? error
      : new UpstreamError(502, "upstream_unreachable", "Upstream connection failed");
    respondH2Error(stream, failure.status, failure.code, failure.message, headers);
  } finally {
    unwatch();
  }
}

/** A body the guard stopped, answered: the structured 403, or the refusal. */
function respondStop(
  stream: ServerHttp2Stream,
  stop: BodyStop,
  headers: IncomingHttpHeaders,
  ctx: ClientConnection["ctx"],
): void {
  if (stop.kind === "deny") return respondH2Deny(stream, stop.decision, ctx.skillPath, headers);
  respondH2Error(stream, stop.status, stop.code, stop.detail, headers);
}
