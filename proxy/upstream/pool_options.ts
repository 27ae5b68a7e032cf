/**
 * The upstream pool's options and their defaults: how long connecting and idling may take, how
 * many idle connections are kept, and what each default was measured against.
 *
 * @module
 */

import type { Duplex } from "node:stream";

/** Options of `UpstreamPool`. */
export interface PoolOptions {
  /** Extra trusted CAs (PEM), besides the default roots. */
  upstreamCa?: string[];
  /** Connecting may take this long. */
  connectTimeoutMs?: number;
  /** Idle connections close after this long. */
  idleTimeoutMs?: number;
  /**
   * Idle connections kept per destination. It must cover the clients that use one
   * destination at once: each connection released beyond it is closed, and the next request
   * pays a new connection (and a TLS handshake) for it.
   */
  maxIdlePerKey?: number;
  /** Idle connections kept in all. */
  maxIdle?: number;
  /**
   * Idle connections that may be kept right now: what the process's descriptor limit leaves
   * beside its client connections (`proxy_server.ts`). Unbounded by default.
   */
  idleRoom?: () => number;
  /** Called with every socket the pool opens. */
  track?: (socket: Duplex) => void;
  /** Longest pause inside a response body before the exchange fails. */
  bodyIdleMs?: number;
}

/** What each of {@linkcode PoolOptions} is when not given. */
export const POOL_DEFAULTS = {
  upstreamCa: [] as string[],
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  // At 16, 64 clients of one destination opened a new connection for 40-70 % of requests.
  maxIdlePerKey: 256,
  maxIdle: 1024,
  idleRoom: () => Infinity,
  track: (_socket: Duplex) => {},
  // Envoy's default stream idle timeout: long enough for event streams with sparse
  // keep-alives, short enough that a dead upstream does not hold a connection forever.
  bodyIdleMs: 300_000,
} satisfies Required<PoolOptions>;
