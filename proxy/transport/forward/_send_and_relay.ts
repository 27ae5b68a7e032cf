/**
 * One attempt of an exchange on one upstream connection: the request out, its streamed body
 * pumped, the answer relayed, the connection kept or released.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { ProtocolError, ReadTimeoutError } from "../../wire/mod.ts";
import type { ByteStream } from "../../wire/mod.ts";
import { BODY_TIMEOUT_DETAIL, type ClientConnection } from "../connection/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import {
  BodyStoppedError,
  checkPiece,
  type FormMethodGuard,
  guardedSink,
  type OutgoingRequest,
  type RelayOutcome,
  relayResponse,
  watchGrant,
} from "../request/mod.ts";
import { relayChunkedRest } from "../../wire/mod.ts";
import { type UpstreamConnection, UpstreamError } from "../../upstream/mod.ts";

const JOIN_LIMIT = 64 * 1024;

/** One attempt's request: its head, body and how the rest of the body streams. */
export interface Payload {
  /** The rewritten head. */
  bytes: Uint8Array;
  /** A body already buffered (decoded chunked). */
  body: Uint8Array | undefined;
  /** Content-Length bytes to copy from the client. */
  streamed: number;
  /** The first of them, taken with the head. */
  early: Uint8Array | undefined;
  /** Past the chunked-body cap: data bytes of the client's current chunk still to copy. */
  spill: number | undefined;
  /** Scans the streamed body before each piece goes upstream (see `form_method_guard.ts`). */
  guard: FormMethodGuard | undefined;
  /** Asked again at reloads while the body streams (see `watch_grant.ts`). */
  grant: Pick<OutgoingRequest, "stillAllowed" | "since">;
  /** The connection closes after this exchange, whatever the answer says. */
  closes?: boolean;
}

/**
 * Send one request on `connection` (its head, the body at hand, the rest as the client feeds
 * it, each piece past the guard) and relay the answer, watching the grant across reloads
 * until the exchange ends.
 */
export async function sendAndRelay(
  client: ClientConnection,
  connection: UpstreamConnection,
  request: RequestHead,
  { bytes, body, streamed, early, spill, grant, guard, closes }: Payload,
): Promise<RelayOutcome> {
  const upstream = connection.stream;
  // The body part that arrived with the head leaves with it, in one write.
  const first = body ?? early;
  const rest = streamed - (body === undefined ? first?.byteLength ?? 0 : 0);
  const pump = rest > 0
    ? (sink: (piece: Uint8Array) => Promise<void> | undefined) =>
      client.stream.readExactly(rest, guard ? guardedSink(guard, rest, sink) : sink)
    : spill === undefined
    ? undefined
    : async (sink: (piece: Uint8Array) => Promise<void> | undefined) => {
      // The prefix went as one chunk (its size line in the head): end it, then the rest.
      if (first?.byteLength) await sink(new Uint8Array([13, 10]));
      const check = guard && ((data: Uint8Array, last: boolean) => checkPiece(guard, data, last));
      await relayChunkedRest(client.stream, spill, sink, check);
    };
  let pumped = pump === undefined;
  let sentAt: number | undefined; // when the streamed body had all gone
  let stalled = false;
  let malformed: Error | undefined;
  let revoked = false;
  let outcome: RelayOutcome;
  let unwatch = () => {};
  try {
    // A large buffered body is written after the head, not copied into one buffer with it:
    // the copy would hold the body twice while it goes out, beyond what the budget counts.
    const written = first !== undefined && first.byteLength <= JOIN_LIMIT
      ? upstream.write(first.byteLength > 0 ? Buffer.concat([bytes, first]) : bytes)
      : writeApart(upstream, bytes, first);
    // While the exchange is in work (its body fed by the client, its answer streaming from the
    // origin: an event stream, a long download), a reload that no longer allows it ends it.
    unwatch = watchGrant(client.ctx.holder, grant.stillAllowed, grant.since, () => {
      revoked = true;
      upstream.destroy();
      client.stream.destroy();
    });
    // The rest streams while the response is awaited (an early answer must not deadlock).
    if (pump) {
      pump((piece) => upstream.forward(piece)).then(
        () => void (pumped = true, sentAt = Date.now()),
        (error) => {
          // A client that stops or leaves mid-body: the request can never be completed, so
          // end the exchange now rather than at the upstream's answer timeout.
          stalled = error instanceof ReadTimeoutError;
          if (!stalled && error instanceof ProtocolError && spill !== undefined) malformed = error;
          upstream.destroy();
        },
      );
    }
    if (written) await written;
    // The answer's wait starts once a streamed body has gone (an upload may outlast it).
    const streaming = pump && { sentAt: () => sentAt };
    outcome = await relayResponse(client, upstream, request, streaming);
  } catch (error) {
    outcome = { kind: "failed", responded: false, error };
  } finally {
    unwatch();
  }
  // Ended by a reload: never retried on a new connection, and nobody is left to answer.
  if (revoked) outcome = { kind: "failed", responded: true, error: new Error("rule revoked") };
  const reusable = outcome.kind === "done" && outcome.upstreamReusable && pumped && !closes;
  // Once authenticated, a connection speaks for this client until it closes, whatever the
  // later requests on it carry.
  const authenticates = outcome.kind === "done" && outcome.authenticates;
  const bound = reusable && (connection.bound || authenticates);
  if (bound) client.bound.keep({ ...connection, bound: true });
  else client.ctx.pool.release(connection, reusable);
  const answered = outcome.kind === "done" || (outcome.kind === "failed" && outcome.responded);
  if (guard?.stopped !== undefined && !answered) {
    return { kind: "failed", responded: false, error: new BodyStoppedError(guard.stopped) };
  }
  if (stalled && !answered) {
    const error = new UpstreamError(408, "request_timeout", BODY_TIMEOUT_DETAIL);
    return { kind: "failed", responded: false, error };
  }
  if (malformed && outcome.kind !== "done" && !(outcome.kind === "failed" && outcome.responded)) {
    const detail = `Invalid chunked body: ${malformed.message}`;
    return {
      kind: "failed",
      responded: false,
      error: new UpstreamError(400, "bad_request", detail),
    };
  }
  if (outcome.kind === "done" && !pumped) return { ...outcome, clientReusable: false };
  return outcome;
}

/** Write `head`, then `body` when there is one; settles once both went out. */
function writeApart(
  upstream: ByteStream,
  head: Uint8Array,
  body: Uint8Array | undefined,
): Promise<void> | undefined {
  const first = upstream.write(head);
  const second = body === undefined ? undefined : upstream.write(body);
  return first && second ? Promise.all([first, second]).then(() => {}) : first ?? second;
}
