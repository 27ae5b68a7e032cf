/**
 * A policy.local request's body: read whole, within policy.local's size limit and body
 * deadline and the proxy's body budget, or answered with the error that stopped it.
 *
 * @module
 */

import {
  BODY_TIMEOUT_DETAIL,
  type ClientConnection,
  MAX_POLICY_LOCAL_BODY_BYTES,
  sendError,
  TOO_MANY_BODIES,
} from "../connection/mod.ts";
import type { ByteStream, RequestHead } from "../../wire/mod.ts";
import { BodyBudgetSpentError, type BodyLease, BodyTooLargeError } from "../../wire/mod.ts";
import { readChunkedBody, ReadTimeoutError } from "../../wire/mod.ts";

/**
 * The request body, read whole within policy.local's body deadline (answered 408 past it), or
 * false once an error response went out.
 */
export async function readPolicyLocalBody(
  client: ClientConnection,
  head: RequestHead,
): Promise<Uint8Array | false> {
  const { stream } = client;
  const tooLarge = `Request body exceeds ${MAX_POLICY_LOCAL_BODY_BYTES} bytes`;
  if (head.framing.kind === "length" && head.framing.length > MAX_POLICY_LOCAL_BODY_BYTES) {
    await sendError(stream, 413, "payload_too_large", tooLarge);
    return false;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = client.ctx.policyLocalBodyTimeoutMs;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ReadTimeoutError(`Body not whole in ${deadline} ms`)),
      deadline,
    );
  });
  const reading = readBodyBytes(stream, head, client.body);
  // Given up on at the deadline: the connection closes, and the read ends with it.
  reading.catch(() => {});
  try {
    return await Promise.race([reading, expired]);
  } catch (error) {
    if (error instanceof BodyBudgetSpentError) {
      await sendError(stream, 503, TOO_MANY_BODIES, error.message);
    } else if (error instanceof BodyTooLargeError) {
      await sendError(stream, 413, "payload_too_large", tooLarge);
    } else if (error instanceof ReadTimeoutError) {
      await sendError(stream, 408, "request_timeout", BODY_TIMEOUT_DETAIL);
    } else await sendError(stream, 400, "bad_request", "Invalid request body");
  } finally {
    clearTimeout(timer);
  }
  return false;
}

async function readBodyBytes(
  stream: ByteStream,
  head: RequestHead,
  lease: BodyLease,
): Promise<Uint8Array> {
  if (head.framing.kind === "chunked") {
    return await readChunkedBody(stream, MAX_POLICY_LOCAL_BODY_BYTES, { lease });
  }
  if (head.framing.kind !== "length") return new Uint8Array(0);
  if (!lease.tryGrow(head.framing.length)) await lease.grow(head.framing.length);
  const body = new Uint8Array(head.framing.length);
  let offset = 0;
  await stream.readExactly(head.framing.length, (piece) => {
    body.set(piece, offset);
    offset += piece.byteLength;
  });
  return body;
}
