/**
 * Keep-alive upstream connections (plain TCP or verified TLS), pooled per destination, with
 * TCP_NODELAY on every socket.
 *
 * @module
 */

import type * as net from "node:net";
import { ByteStream, FORWARD_WINDOW_BYTES } from "../wire/mod.ts";
import { poolKey } from "./pool_key.ts";
import type { UpstreamConnection } from "./upstream_connection.ts";
import { UpstreamConnector, UpstreamError, type UpstreamTarget } from "./upstream_connector.ts";
import { POOL_DEFAULTS, type PoolOptions } from "./pool_options.ts";

export { UpstreamError, type UpstreamTarget } from "./upstream_connector.ts";
export type { UpstreamConnection } from "./upstream_connection.ts";

interface IdleEntry {
  connection: UpstreamConnection;
  /** `performance.now()` when it went idle. */
  since: number;
  /** Listens for bytes that arrive while idle: they answer nothing, so the connection goes. */
  evict: () => void;
  idle: boolean;
  // Its neighbours in the pool's age order (a list, not a Set: no hashing per request).
  older?: IdleEntry;
  newer?: IdleEntry;
}

/**
 * Pool of upstream connections keyed by scheme, host, port and address.
 *
 * New connections come from an {@linkcode UpstreamConnector} (TLS verified against Deno's
 * roots, the extra CAs and the system roots); idle ones are dropped after `idleTimeoutMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../tls/mod.ts";
 * import { UpstreamPool } from "./upstream_pool.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const ca = await CertificateAuthority.loadOrCreate(dir);
 * const { chainPem: cert, keyPem: key } = await ca.mintLeaf(["api.test"]);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, cert, key, onListen() {} }, () =>
 *   new Response("hi"));
 * const target = { host: "api.test", port: server.addr.port, address: "127.0.0.1", tls: true };
 * const pool = new UpstreamPool({ upstreamCa: [ca.certPem] });
 * const connection = await pool.acquire(target); // TLS verified against the extra CA
 * assert.equal(connection.reused, false);
 * pool.release(connection, true);
 * assert.equal((await pool.acquire(target)).reused, true); // the idle one again
 * pool.close();
 * await server.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class UpstreamPool {
  #options: Required<PoolOptions>;
  #idle = new Map<string, IdleEntry[]>();
  // Every idle connection in age order, through IdleEntry.older and .newer.
  #oldest: IdleEntry | undefined;
  #newest: IdleEntry | undefined;
  #idleCount = 0;
  #connector: UpstreamConnector;
  #closed = false;
  // One sweeper for every idle connection: a timer per release cost ~3 % of the proxy's CPU.
  #sweeper: ReturnType<typeof setTimeout> | undefined;

  /**
   * A pool with its own idle lists and trust-store memory.
   *
   * @param options Extra CAs, timers and the socket tracker.
   */
  constructor(options: PoolOptions = {}) {
    // A caller may pass `idleRoom: undefined` on (createContext() does).
    this.#options = {
      ...POOL_DEFAULTS,
      ...options,
      idleRoom: options.idleRoom ?? POOL_DEFAULTS.idleRoom,
    };
    this.#connector = new UpstreamConnector(this.#options);
  }

  /** An idle connection to `target`, or a new one. */
  async acquire(target: UpstreamTarget): Promise<UpstreamConnection> {
    return this.takeIdle(target) ?? await this.connect(target);
  }

  /**
   * An idle connection to `target` when one is ready, without waiting: the kept-alive case,
   * where a caller that awaits only {@linkcode UpstreamPool.connect} on a miss saves a turn of
   * the event loop per request.
   */
  takeIdle(target: UpstreamTarget): UpstreamConnection | undefined {
    const entries = this.#idle.get(poolKey(target));
    while (entries !== undefined && entries.length > 0) {
      const entry = entries.pop()!;
      this.#unlink(entry);
      const { stream, key } = entry.connection;
      stream.watchUnsolicited(undefined);
      if (stream.ended || stream.buffered > 0) {
        stream.destroy();
        continue;
      }
      return { stream, key, reused: true };
    }
    return undefined;
  }

  /** A new connection to `target` (idle ones are not looked at). */
  async connect(target: UpstreamTarget): Promise<UpstreamConnection> {
    const key = poolKey(target);
    if (this.#closed) throw new UpstreamError(502, "upstream_unreachable", "Proxy is closing");
    const { socket, flow } = target.tls
      ? await this.#connector.tls(target)
      : { socket: await this.#connector.tcp(target), flow: undefined };
    const options = { bodyIdleMs: this.#options.bodyIdleMs, flow, window: FORWARD_WINDOW_BYTES };
    return { stream: new ByteStream(socket, options), key, reused: false };
  }

  /** A new raw TCP connection for a blind tunnel (never pooled), reading through `onread`. */
  openTunnel(target: UpstreamTarget, onread?: net.OnReadOpts): Promise<net.Socket> {
    return this.#connector.tcp(target, onread);
  }

  /** A new raw TCP connection for a blind tunnel on Deno's own socket (never pooled). */
  async openTunnelConn(target: UpstreamTarget): Promise<Deno.TcpConn> {
    if (this.#closed) throw new UpstreamError(502, "upstream_unreachable", "Proxy is closing");
    return await this.#connector.tcpConn(target);
  }

  /**
   * Return a connection after a complete exchange; anything not reusable is closed, and so is
   * a connection with bytes after its response (a body on HEAD, 204 or 304, a second
   * response): they answer no request, and the next one must not read them.
   */
  release(connection: UpstreamConnection, reusable: boolean): void {
    const entries = this.#idle.get(connection.key) ?? [];
    const { stream } = connection;
    const room = Math.min(this.#options.maxIdle, this.#options.idleRoom());
    const keep = reusable && !connection.bound && !this.#closed && !stream.ended &&
      stream.buffered === 0 && entries.length < this.#options.maxIdlePerKey && room > 0;
    if (!keep) return stream.destroy();
    // Full: the oldest idle connection gives way (Go's transport does the same), so that one
    // destination's connections, a hostile sandbox's own host say, cannot hold the pool.
    if (this.#idleCount >= room) this.trimIdle(room - 1);
    const entry: IdleEntry = {
      connection,
      since: performance.now(),
      evict: () => this.#evict(entry),
      idle: true,
      older: this.#newest,
    };
    // Else bytes from an idle upstream sit queued (64 KB and more) until the next request.
    stream.watchUnsolicited(entry.evict);
    entries.push(entry);
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
    this.#idleCount++;
    this.#idle.set(connection.key, entries);
    this.#sweeper ??= setTimeout(() => this.#sweep(), this.#options.idleTimeoutMs);
  }

  /**
   * Close the oldest idle connections until at most `room` are left: a descriptor held for a
   * request that may come is given up first when one is needed for a client now.
   */
  trimIdle(room: number): void {
    while (this.#idleCount > Math.max(0, room)) this.#evict(this.#oldest!);
  }

  /** Take `entry` out of the age order; false when it was not idle any more. */
  #unlink(entry: IdleEntry): boolean {
    if (!entry.idle) return false;
    entry.idle = false;
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
    this.#idleCount--;
    return true;
  }

  /** Close an idle connection now, if it is still idle. */
  #evict(entry: IdleEntry): void {
    if (!this.#unlink(entry)) return;
    const { key } = entry.connection;
    const entries = this.#idle.get(key)!;
    entries.splice(entries.indexOf(entry), 1);
    if (entries.length === 0) this.#idle.delete(key);
    entry.connection.stream.destroy();
  }

  /** Close the connections idle for `idleTimeoutMs`; come back for the oldest of the rest. */
  #sweep(): void {
    this.#sweeper = undefined;
    const limit = performance.now() - this.#options.idleTimeoutMs;
    // Oldest first: stop at the first one still young.
    for (let entry = this.#oldest; entry !== undefined; entry = this.#oldest) {
      if (entry.since > limit) {
        const wait = Math.max(1, entry.since - limit);
        this.#sweeper = setTimeout(() => this.#sweep(), wait);
        return;
      }
      this.#evict(entry);
    }
  }

  /** Close every idle connection; later releases close theirs. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#sweeper);
    this.#sweeper = undefined;
    this.trimIdle(0);
    this.#idle.clear();
  }
}
