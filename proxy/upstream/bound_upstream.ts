/**
 * The upstream connection one client connection authenticated with NTLM or Negotiate
 * (`connection_auth.ts`): kept for that client alone, so its handshake and the requests after
 * it reach the origin on the connection that speaks for it, and closed with the client
 * connection, never put in the shared pool.
 *
 * @module
 */

import { poolKey } from "./pool_key.ts";
import type { UpstreamConnection, UpstreamTarget } from "./upstream_pool.ts";

/**
 * At most one bound upstream connection, for one client connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough } from "node:stream";
 * import { BoundUpstream } from "./bound_upstream.ts";
 * import { ByteStream } from "../wire/mod.ts";
 * import { poolKey } from "./pool_key.ts";
 *
 * const bound = new BoundUpstream();
 * const socket = new PassThrough();
 * const target = { host: "a.test", port: 80, address: "10.0.0.1", tls: false };
 * bound.keep({ stream: new ByteStream(socket), key: poolKey(target), reused: false });
 * assert.equal(bound.take({ ...target, host: "b.test" }), undefined); // another destination
 * const again = bound.take(target)!;
 * assert.equal(again.bound, true); // still bound after its next exchange
 * bound.keep(again);
 * bound.close(); // the client connection ended
 * assert.equal(socket.destroyed, true);
 * ```
 */
export class BoundUpstream {
  #connection: UpstreamConnection | undefined;

  /** The kept connection when it goes to `target` and is still usable. */
  take(target: UpstreamTarget): UpstreamConnection | undefined {
    const connection = this.#connection;
    // Nearly always nothing is kept: no key is built then.
    if (connection === undefined || connection.key !== poolKey(target)) return undefined;
    this.#connection = undefined;
    if (connection.stream.ended || connection.stream.buffered > 0) {
      connection.stream.destroy();
      return undefined;
    }
    return { ...connection, reused: true, bound: true };
  }

  /** Keep `connection` (after a complete exchange) for this client; one kept before closes. */
  keep(connection: UpstreamConnection): void {
    this.close();
    const { stream } = connection;
    if (stream.ended || stream.buffered > 0) return stream.destroy();
    this.#connection = connection;
  }

  /** Close the kept connection: the client connection ends. */
  close(): void {
    this.#connection?.stream.destroy();
    this.#connection = undefined;
  }
}
