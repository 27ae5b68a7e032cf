/**
 * An upstream connection as the pool hands it out.
 *
 * @module
 */

import type { ByteStream } from "../wire/mod.ts";

/** A connection handed out by the pool. */
export interface UpstreamConnection {
  /** The connection's reader and writer. */
  stream: ByteStream;
  /** Pool key (scheme, host, port, address). */
  key: string;
  /** It served a request before (a failure may be a stale keep-alive, worth one retry). */
  reused: boolean;
  /**
   * It authenticated one client with NTLM or Negotiate: it serves that client alone and is
   * never released to the pool (`bound_upstream.ts`).
   */
  bound?: boolean;
}
