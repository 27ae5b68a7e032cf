/**
 * A client stream's request body relayed to its upstream HTTP/2 stream through a
 * {@linkcode FormMethodGuard}: each piece is scanned before it is written, and the upstream
 * stream is ended only once the end of the body was decided, so an origin never holds a whole
 * form (its last byte, or END_STREAM) whose `_method` the policy does not allow.
 *
 * @module
 */

import type { Http2Stream, ServerHttp2Stream } from "node:http2";
import type { Readable } from "node:stream";
import { relayToClient, writeToClient } from "./_h2_backlog.ts";
import { youngCollector } from "../../wire/mod.ts";
import { resetStream } from "./_h2_reset.ts";
import { type BodyStop, BodyStoppedError, type FormMethodGuard } from "../request/mod.ts";
import type { RequestHead } from "../../wire/mod.ts";
import { isRefusal, type Refusal } from "../connection/mod.ts";
import { UpstreamError } from "../../upstream/mod.ts";

/** A stream on its way upstream whose body a guard may have to scan. */
export interface GuardedBody {
  /** Scans its body for a method override before it goes upstream (`form_method_guard.ts`). */
  guard?: FormMethodGuard;
}

/**
 * A stream's body read whole for an HTTP/1.1 origin, checked by its guard (when it has one);
 * `last` false for the first part of a body that goes on (its end is checked later).
 *
 * @throws {UpstreamError} For a refusal of the read (the caller answers the stream with it).
 * @throws {BodyStoppedError} When the guard stopped the body.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wholeBody } from "./_h2_guarded_relay.ts";
 * const body = new TextEncoder().encode("a=1");
 * assert.equal(await wholeBody(body, undefined), body);
 * ```
 */
export async function wholeBody(
  read: Uint8Array | Refusal,
  guard: FormMethodGuard | undefined,
  last = true,
): Promise<Uint8Array> {
  if (isRefusal(read)) throw new UpstreamError(read.status, read.code, read.detail);
  const stop = await guard?.check(read, last);
  if (stop !== undefined) throw new BodyStoppedError(stop);
  return read;
}

/** What {@linkcode relayRequestBody} calls when the body does not go upstream whole. */
export interface RelayExits {
  /** Resets the upstream stream (RST_STREAM, never END_STREAM). */
  cancel: () => void;
  /** Fails the exchange while no answer has started. */
  reject: (error: Error) => void;
  /**
   * Whether a piece handed on now is kept nowhere else (the copy to send again was dropped,
   * `_h2_body_copy.ts`): such a piece is freed once the upstream stream took it. None: never.
   */
  unkept?: () => boolean;
}

/**
 * Relay a client stream's request body to its upstream HTTP/2 stream: as it comes (an origin
 * reading nothing gets no more queued either), through the stream's guard when it has one. The
 * upstream stream is ended only by the client's END_STREAM ({@linkcode endedWhole}); a body
 * cut short is left for the caller to `cancel`. A body the guard stops cancels the upstream
 * stream, and `reject`s with {@linkcode BodyStoppedError} while no answer has started (else the
 * client stream is cancelled).
 */
export function relayRequestBody(
  stream: ServerHttp2Stream,
  upstream: Http2Stream,
  outgoing: GuardedBody & { request: { head: RequestHead } },
  { cancel, reject, unkept = () => false }: RelayExits,
): void {
  const { guard } = outgoing;
  // Without a guard nothing but the copy keeps a piece: a 256 MB upload's pieces are freed as
  // they go, not at a collection. A guard's pieces are left to the collector.
  if (guard === undefined) {
    return relayToClient(stream, upstream, { whole: endedWhole, free: unkept });
  }
  const { framing } = outgoing.request.head;
  const declared = framing.kind === "length" ? framing.length : undefined;
  relayGuarded(stream, upstream, guard, declared, (stop) => {
    // An answer already on its way is not relayed after the client's.
    upstream.removeAllListeners("response");
    cancel();
    if (stream.headersSent) return resetStream(stream);
    reject(new BodyStoppedError(stop));
  });
}

/**
 * Whether a stream that reported `end` got its peer's END_STREAM. Deno 2.9 reports `end` too
 * when a stream is closed while its body is still coming: the peer's RST_STREAM (with
 * NO_ERROR), its session's end, or the proxy's own `close()`; each closes the stream first,
 * while END_STREAM only half-closes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Readable } from "node:stream";
 * import { endedWhole } from "./_h2_guarded_relay.ts";
 *
 * assert.equal(endedWhole(Readable.from([])), true);
 * assert.equal(endedWhole(Readable.from([]).destroy()), false);
 * ```
 */
export function endedWhole(source: Readable): boolean {
  return !source.destroyed && (source as { closed?: boolean }).closed !== true;
}

const EMPTY = new Uint8Array(0);

/**
 * Copy `source` onto `target` (pausing while the guard decides or `target` is full) and end it
 * with `source`; `onStop` is called once, instead, when the guard stops the body.
 *
 * @param declared The body's `content-length`, when it has one: the piece that completes it is
 *   the last (an origin may act on a body of that length before END_STREAM).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Readable } from "node:stream";
 * import { h2Exchange } from "../examples/mod.ts";
 * import { relayGuarded } from "./_h2_guarded_relay.ts";
 * import { FormMethodGuard } from "../request/mod.ts";
 * import { formMethodScanner } from "../../body_scan/mod.ts";
 *
 * const deny = { verdict: "deny", layer: "l7", reason: "DELETE denied" } as never;
 * const guard = new FormMethodGuard(formMethodScanner("POST", [])!, () => Promise.resolve(deny));
 * let stopped = "";
 * const answer = await h2Exchange((stream) => {
 *   stream.respond({ ":status": 200 });
 *   const body = Readable.from([new TextEncoder().encode("_method=DELETE")]);
 *   relayGuarded(body, stream, guard, undefined, (stop) => {
 *     stopped = stop.kind;
 *     stream.end();
 *   });
 * });
 * assert.equal(stopped, "deny");
 * assert.equal(answer.body, "_method=DELETE"); // written: only its end (the decision) waited
 * ```
 */
export function relayGuarded(
  source: Readable,
  target: Http2Stream,
  guard: FormMethodGuard,
  declared: number | undefined,
  onStop: (stop: BodyStop) => void,
): void {
  let received = 0;
  let decidedEnd = false;
  let over = false;
  // A piece whose decision is awaited: the end of the body waits for it too (a paused stream
  // may still report its end).
  let deciding: Promise<void> | undefined;
  const stop = (reason: BodyStop) => {
    if (over) return;
    over = true;
    source.off("data", onData);
    onStop(reason);
  };
  // As relayToClient() does: each piece read is a fresh buffer only a collection frees.
  const collect = youngCollector();
  const write = (chunk: Uint8Array) => {
    collect(chunk.byteLength);
    if (over || target.destroyed) return;
    const wait = writeToClient(target, chunk);
    if (wait === undefined) return source.resume();
    source.pause();
    wait.then(() => source.resume());
  };
  const onData = (chunk: Uint8Array) => {
    received += chunk.byteLength;
    const last = declared !== undefined && received >= declared;
    decidedEnd ||= last;
    const waiting = guard.check(chunk, last);
    if (waiting === undefined) return write(chunk);
    source.pause();
    deciding = waiting.then((reason) => void (reason === undefined ? write(chunk) : stop(reason)));
  };
  const end = () => {
    if (over) return;
    const waiting = decidedEnd ? undefined : guard.check(EMPTY, true);
    if (waiting === undefined) return void (target.destroyed || target.end());
    waiting.then((reason) => {
      if (reason !== undefined) stop(reason);
      else if (!over && !target.destroyed) target.end();
    });
  };
  source.on("data", onData);
  source.once("end", () => {
    source.off("data", onData);
    if (!endedWhole(source)) return void (over = true); // cut short: its owner resets `target`
    if (deciding === undefined) end();
    else deciding.then(end);
  });
}
