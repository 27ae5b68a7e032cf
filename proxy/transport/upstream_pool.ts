/**
 * Keep-alive upstream connections (plain TCP or verified TLS), pooled per destination, with
 * TCP_NODELAY on every socket.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import type { Duplex } from "node:stream";
import { ByteStream } from "./byte_stream.ts";

/** Where one upstream connection goes. */
export interface UpstreamTarget {
  /** Host name the client asked for (SNI and certificate check). */
  host: string;
  /** Port the client asked for. */
  port: number;
  /** Address to connect to (already through the SSRF guard). */
  address: string;
  /** Port to connect to, when an override moved it away from `port`. */
  connectPort?: number;
  /** Speak TLS to upstream (verified against the default roots and the extra CAs). */
  tls: boolean;
  /** The address came from an operator override: try the extra CAs first. */
  overridden?: boolean;
}

/** A failure to reach upstream, with the status and code the client gets. */
export class UpstreamError extends Error {
  /** Always `"UpstreamError"`. */
  override name = "UpstreamError";
  /** HTTP status for the client (502 or 504). */
  readonly status: number;
  /** Stable code for the JSON body (`upstream_unreachable`, …). */
  readonly code: string;
  /**
   * An upstream failure as the client will see it.
   *
   * @param status HTTP status.
   * @param code Stable code.
   * @param message One sentence for the client.
   */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A connection handed out by the pool. */
export interface UpstreamConnection {
  /** The connection's reader and writer. */
  stream: ByteStream;
  /** Pool key (scheme, host, port, address). */
  key: string;
  /** It served a request before (a failure may be a stale keep-alive, worth one retry). */
  reused: boolean;
}

/** Options of {@linkcode UpstreamPool}. */
export interface PoolOptions {
  /** Extra trusted CAs (PEM), besides the default roots. */
  upstreamCa?: string[];
  /** Connecting may take this long. */
  connectTimeoutMs?: number;
  /** Idle connections close after this long. */
  idleTimeoutMs?: number;
  /** Idle connections kept per destination. */
  maxIdlePerKey?: number;
  /** Called with every socket the pool opens. */
  track?: (socket: Duplex) => void;
}

const defaults = {
  upstreamCa: [] as string[],
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxIdlePerKey: 16,
  track: (_socket: Duplex) => {},
} satisfies Required<PoolOptions>;

type TrustStore = "default" | "extra";

interface IdleEntry {
  connection: UpstreamConnection;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Pool of upstream connections keyed by scheme, host, port and address.
 *
 * TLS upstreams are verified against the default roots and the extra CAs: the two stores are
 * tried in turn (the store that worked is remembered per host), because Deno rebuilds a root
 * store for every connection given an explicit CA list, which costs about 8 ms each.
 *
 * @example
 * ```ts ignore
 * const pool = new UpstreamPool({ upstreamCa: [pem] });
 * const connection = await pool.acquire({ host: "api.github.com", port: 443, address: "127.0.0.1", tls: true });
 * pool.release(connection, true);
 * pool.close();
 * ```
 */
export class UpstreamPool {
  #options: Required<PoolOptions>;
  #idle = new Map<string, IdleEntry[]>();
  #trust = new Map<string, TrustStore>();
  #closed = false;

  /**
   * A pool with its own idle lists and trust-store memory.
   *
   * @param options Extra CAs, timers and the socket tracker.
   */
  constructor(options: PoolOptions = {}) {
    this.#options = { ...defaults, ...options };
  }

  /** An idle connection to `target`, or a new one. */
  async acquire(target: UpstreamTarget): Promise<UpstreamConnection> {
    const key = `${target.tls ? "https" : "http"}|${target.host}|${target.port}|` +
      `${target.address}|${target.connectPort ?? target.port}`;
    const entries = this.#idle.get(key);
    while (entries !== undefined && entries.length > 0) {
      const { connection, timer } = entries.pop()!;
      clearTimeout(timer);
      if (connection.stream.ended || connection.stream.buffered > 0) {
        connection.stream.destroy();
        continue;
      }
      return { ...connection, reused: true };
    }
    if (this.#closed) throw new UpstreamError(502, "upstream_unreachable", "Proxy is closing");
    const socket = target.tls ? await this.#connectTls(target) : await this.#connectTcp(target);
    return { stream: new ByteStream(socket), key, reused: false };
  }

  /** A new raw TCP connection for a blind tunnel (never pooled). */
  openTunnel(target: UpstreamTarget): Promise<net.Socket> {
    return this.#connectTcp(target);
  }

  /** Return a connection after a complete exchange; anything not reusable is closed. */
  release(connection: UpstreamConnection, reusable: boolean): void {
    const entries = this.#idle.get(connection.key) ?? [];
    if (!reusable || this.#closed || connection.stream.ended) {
      connection.stream.destroy();
      return;
    }
    if (entries.length >= this.#options.maxIdlePerKey) {
      connection.stream.destroy();
      return;
    }
    const timer = setTimeout(() => {
      const list = this.#idle.get(connection.key);
      const index = list?.findIndex((e) => e.connection === connection) ?? -1;
      if (index !== -1) list!.splice(index, 1);
      connection.stream.destroy();
    }, this.#options.idleTimeoutMs);
    entries.push({ connection, timer });
    this.#idle.set(connection.key, entries);
  }

  /** Close every idle connection; later releases close theirs. */
  close(): void {
    this.#closed = true;
    for (const entries of this.#idle.values()) {
      for (const { connection, timer } of entries) {
        clearTimeout(timer);
        connection.stream.destroy();
      }
    }
    this.#idle.clear();
  }

  #connectTcp(target: UpstreamTarget): Promise<net.Socket> {
    const port = target.connectPort ?? target.port;
    const socket = net.connect({ host: target.address, port, noDelay: true });
    return this.#whenReady(socket, "connect", target);
  }

  async #connectTls(target: UpstreamTarget): Promise<tls.TLSSocket> {
    const stores = this.#storeOrder(target);
    let lastError: unknown;
    for (const store of stores) {
      try {
        const socket = await this.#connectTlsWith(target, store);
        this.#trust.set(target.host, store);
        return socket;
      } catch (error) {
        lastError = error;
        if (!(error instanceof UpstreamError) || error.code !== "upstream_tls_untrusted") break;
      }
    }
    if (lastError instanceof UpstreamError && lastError.code === "upstream_tls_untrusted") {
      throw new UpstreamError(502, "upstream_tls_error", lastError.message);
    }
    throw lastError;
  }

  #storeOrder(target: UpstreamTarget): TrustStore[] {
    if (this.#options.upstreamCa.length === 0) return ["default"];
    const known = this.#trust.get(target.host);
    if (known !== undefined) return [known, known === "default" ? "extra" : "default"];
    return target.overridden ? ["extra", "default"] : ["default", "extra"];
  }

  #connectTlsWith(target: UpstreamTarget, store: TrustStore): Promise<tls.TLSSocket> {
    const sni = net.isIP(target.host) === 0 ? target.host : undefined;
    const socket = tls.connect({
      host: target.address,
      port: target.connectPort ?? target.port,
      servername: sni,
      ALPNProtocols: ["http/1.1"],
      ...(store === "extra" ? { ca: this.#options.upstreamCa } : {}),
      checkServerIdentity: (_name, cert) => tls.checkServerIdentity(target.host, cert),
    });
    socket.setNoDelay(true);
    return this.#whenReady(socket, "secureConnect", target);
  }

  #whenReady<T extends net.Socket>(socket: T, ready: string, target: UpstreamTarget): Promise<T> {
    this.#options.track(socket);
    return new Promise((resolve, reject) => {
      const fail = (error: UpstreamError) => {
        clearTimeout(timer);
        socket.off(ready, onReady);
        socket.destroy();
        reject(error);
      };
      const onReady = () => {
        clearTimeout(timer);
        socket.off("error", onError);
        // Later errors surface through the ByteStream; keep one listener so none is unhandled.
        socket.on("error", () => {});
        resolve(socket);
      };
      const onError = (error: Error) => fail(classify(error, target));
      const timer = setTimeout(() => {
        socket.off("error", onError);
        socket.on("error", () => {});
        fail(
          new UpstreamError(504, "upstream_timeout", `Connecting to ${where(target)} timed out`),
        );
      }, this.#options.connectTimeoutMs);
      socket.once(ready, onReady);
      socket.once("error", onError);
    });
  }
}

function classify(error: Error, target: UpstreamTarget): UpstreamError {
  const code = (error as { code?: string }).code ?? "";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || /altnames|does not match/i.test(error.message)) {
    return new UpstreamError(
      502,
      "upstream_tls_error",
      `The certificate of ${target.host} does not match the host name`,
    );
  }
  if (/CERT|SELF_SIGNED|ISSUER|VERIFY/i.test(code) || /certificate|verify/i.test(error.message)) {
    return new UpstreamError(
      502,
      "upstream_tls_untrusted",
      `The certificate of ${target.host} is not trusted`,
    );
  }
  return new UpstreamError(502, "upstream_unreachable", `Cannot connect to ${where(target)}`);
}

function where(target: UpstreamTarget): string {
  return `${target.host}:${target.port}`;
}
