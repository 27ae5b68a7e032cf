/**
 * WebSocket upgrades on an allowed request: the proxy has decided the request like any GET;
 * here the `Upgrade: websocket` survives the hop, and after the origin's 101 the two
 * connections are spliced and frames flow both ways as raw bytes, until a reload no longer
 * allows the handshake's request. Any other upgrade (`h2c`) is dropped with the hop-by-hop
 * fields, so the request goes on as plain HTTP/1.1.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Duplex } from "node:stream";
import { type ClientConnection, MAX_RESPONSE_HEAD_BYTES } from "../connection/mod.ts";
import {
  MessageLedger,
  type MessageTarget,
  type OutgoingRequest,
  relayResponse,
  requestHeadBytes,
  sendUpstreamError,
  watchGrant,
} from "../request/mod.ts";
import { values } from "../../wire/mod.ts";
import { parseResponseHead } from "../../wire/mod.ts";
import { splice, spliceWhileAllowed } from "../tunnel/mod.ts";
import { relayJudged } from "./websocket_relay.ts";
import { type UpstreamConnection, UpstreamError, type UpstreamTarget } from "../../upstream/mod.ts";

export type { MessageTarget } from "../request/mod.ts";

const UPGRADE_FIELDS = "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n";

/**
 * The judge of a WebSocket's client messages and their audit record (`websocket_ledger.ts`):
 * each is decided as `WEBSOCKET_TEXT` on the handshake's path and query, against the policy in
 * force then, so a reload re-judges the messages that follow it.
 */
export function messageJudge(client: ClientConnection, at: MessageTarget): MessageLedger {
  return new MessageLedger(client, at);
}

/**
 * Forward a WebSocket handshake on a new upstream connection. On 101 the response head is
 * relayed and both connections are spliced until either closes; any other answer is relayed
 * as a normal response. The client connection never carries another request.
 *
 * @returns Always false: the client connection is done.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { readRequest } from "../connection/mod.ts";
 * import { exchangeUpgrade } from "./upgrade.ts";
 *
 * const listen = { hostname: "127.0.0.1", port: 0, onListen() {} };
 * const server = Deno.serve(listen, (request) => Deno.upgradeWebSocket(request).response);
 * await using pair = await clientPair("version: 1\n");
 * await pair.send("GET http://a.test/ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\n" +
 *   "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" +
 *   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
 * const head = (await readRequest(pair.client, true))!;
 * const target = { host: "a.test", port: server.addr.port, address: "127.0.0.1", tls: false };
 * const request = { head, pathAndQuery: "/ws", authority: "a.test" };
 * const upgrading = exchangeUpgrade(pair.client, request, target);
 * assert.match(await pair.read(/\r\n\r\n/), /^HTTP\/1.1 101 /); // then both sides are spliced
 * pair.peer.close();
 * assert.equal(await upgrading, false);
 * await server.shutdown();
 * ```
 */
export async function exchangeUpgrade(
  client: ClientConnection,
  request: OutgoingRequest,
  target: UpstreamTarget,
): Promise<false> {
  let connection: UpstreamConnection;
  try {
    connection = await client.ctx.pool.connect(target);
  } catch (error) {
    await sendUpstreamError(client, error);
    return false;
  }
  try {
    const head = withoutExtensions(requestHeadBytes(request, undefined), request);
    // The rewritten head ends with CRLF CRLF: put the upgrade fields before the last CRLF.
    const withUpgrade = Buffer.concat([
      head.subarray(0, head.byteLength - 2),
      Buffer.from(UPGRADE_FIELDS),
    ]);
    await connection.stream.write(withUpgrade);
    await answerUpgrade(client, connection, request);
  } catch (error) {
    await sendUpstreamError(client, error);
  } finally {
    connection.stream.destroy();
  }
  return false;
}

async function answerUpgrade(
  client: ClientConnection,
  connection: UpstreamConnection,
  outgoing: OutgoingRequest,
): Promise<void> {
  const request = outgoing.head;
  const upstream = connection.stream;
  const wait = client.ctx.upstreamTimeoutMs;
  const read = await upstream.readHead(MAX_RESPONSE_HEAD_BYTES, { idleMs: wait, headMs: wait });
  if (read.kind !== "head") {
    throw new UpstreamError(502, "upstream_protocol_error", "Upstream did not answer the upgrade");
  }
  const parsed = parseResponseHead(read.bytes, request.method);
  if (!parsed.ok) throw new UpstreamError(502, "upstream_protocol_error", parsed.error.detail);
  if (parsed.head.status !== 101) {
    // Refused (401, 403, 426…): an ordinary response, relayed as such, then close.
    upstream.unread(read.bytes);
    const outcome = await relayResponse(client, upstream, { ...request, keepAlive: false });
    if (outcome.kind === "failed" && !outcome.responded) throw outcome.error;
    return;
  }
  const accepted = values(parsed.head.headers, "upgrade")[0]?.trim().toLowerCase();
  if (accepted !== "websocket") {
    throw new UpstreamError(
      502,
      "upstream_protocol_error",
      "Upstream switched to another protocol",
    );
  }
  // The 101 head goes to the client as received: its Upgrade and Connection are the point.
  await client.stream.write(read.bytes);
  const early = { client: client.stream.detach(), upstream: upstream.detach() };
  for (const chunk of early.upstream) client.stream.socket.write(chunk);
  if (outgoing.messages) return await judged(client, upstream.socket, outgoing, early.client);
  for (const chunk of early.client) upstream.socket.write(chunk);
  // A reload that no longer allows the handshake's request ends the WebSocket.
  const { stillAllowed } = outgoing;
  if (stillAllowed === undefined) await splice(client.stream.socket, upstream.socket);
  else {
    await spliceWhileAllowed(
      client.ctx.holder,
      stillAllowed,
      client.stream.socket,
      upstream.socket,
      { since: outgoing.since },
    );
  }
}

/**
 * A judged WebSocket: the client's messages are decided one by one (websocket_relay.ts), and a
 * reload that no longer allows the handshake's request still closes it.
 */
async function judged(
  client: ClientConnection,
  upstream: Duplex,
  outgoing: OutgoingRequest,
  early: Uint8Array[],
): Promise<void> {
  let stop = () => {};
  const ledger = outgoing.messages!;
  const relaying = relayJudged(client.stream.socket, upstream, {
    judge: (text) => ledger.judge(text),
    rejudge: () => ledger.rejudge(),
    relayed: (bytes) => ledger.relayed(bytes),
    early,
    budget: client.ctx.bodyBudget,
    onStart: (close) => (stop = close),
    reloads: (listener) => client.ctx.holder.subscribe(listener),
  });
  const unwatch = watchGrant(
    client.ctx.holder,
    outgoing.stillAllowed,
    outgoing.since,
    () => stop(),
  );
  try {
    await relaying;
  } finally {
    unwatch();
    ledger.end();
  }
}

const EXTENSIONS = /\r\nsec-websocket-extensions:[^\r]*/gi;

/**
 * The handshake without its extension offer when messages are judged: a compressed
 * (permessage-deflate) message cannot be read before it goes upstream, so none is negotiated
 * and a frame with an RSV bit is refused.
 */
function withoutExtensions(head: Uint8Array, request: OutgoingRequest): Uint8Array {
  if (!request.messages) return head;
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString("latin1");
  return Buffer.from(text.replace(EXTENSIONS, ""), "latin1");
}
