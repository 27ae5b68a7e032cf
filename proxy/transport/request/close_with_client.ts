/**
 * An exchange's upstream connection ends with its client: a client that resets its connection
 * (or an HTTP/2 stream) is owed nothing more.
 *
 * @module
 */

/** What closes: a client socket, a TLS socket over it, or an HTTP/2 stream. */
export interface Closable {
  /** Whether it is closed already. */
  readonly destroyed: boolean;
  /** Hears the close once. */
  once(event: "close", listener: () => void): unknown;
  /** Stops hearing the close. */
  off(event: "close", listener: () => void): unknown;
}

/**
 * Destroy `upstream` once `client` closes (at once if it has), until the function returned is
 * called. Without it, an upstream that sends nothing held its descriptor until its next byte or
 * the response idle limit (300 s), after the client's own slot of the connection cap was given
 * back: a client that opened, reset and repeated ran the proxy out of descriptors. A client's FIN
 * alone does not close its socket (the listener allows half-open connections), so a client
 * that sends its request, then FIN, still gets the answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { closeWithClient } from "./close_with_client.ts";
 *
 * const client = new PassThrough();
 * const upstream = new PassThrough();
 * const stop = closeWithClient(client, upstream);
 * client.destroy();
 * await new Promise((resolve) => client.once("close", resolve));
 * assert.equal(upstream.destroyed, true);
 * stop();
 * ```
 */
export function closeWithClient(client: Closable, upstream: { destroy(): void }): () => void {
  if (client.destroyed) {
    upstream.destroy();
    return () => {};
  }
  const onClose = () => upstream.destroy();
  client.once("close", onClose);
  return () => void client.off("close", onClose);
}
