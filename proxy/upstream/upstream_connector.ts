/**
 * Opening upstream connections: plain TCP or TLS verified against the default roots and the
 * operator's extra CAs, with TCP_NODELAY, a connect timeout, and failures mapped to the
 * status and code the client receives.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import type { Duplex } from "node:stream";
import { type FlowControl, tlsTransport } from "../wire/mod.ts";
import { connectError, UpstreamError } from "./upstream_error.ts";

export { UpstreamError } from "./upstream_error.ts";

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
  /** ALPN protocols offered on a TLS connection (default `http/1.1` only). */
  alpn?: string[];
}

/**
 * `default`: Deno's root store (no CA list: fast). `extra`: the operator's CAs only.
 * `system`: the operating system's roots as an explicit list (slow: tried last).
 */
type TrustStore = "default" | "extra" | "system";

/** Options of {@linkcode UpstreamConnector}. */
export interface ConnectorOptions {
  /** Extra trusted CAs (PEM), besides the default roots. */
  upstreamCa: string[];
  /** Connecting may take this long. */
  connectTimeoutMs: number;
  /** Called with every socket opened. */
  track: (socket: Duplex) => void;
}

/**
 * Opens upstream connections.
 *
 * TLS upstreams are verified against Deno's root store, the operator's extra CAs and the
 * system roots: the stores are tried in turn, fast ones first (the one that worked is
 * remembered per host). An explicit CA list is given as one `SecureContext` per store, made
 * at its first use and shared by every connection: given the list itself, Deno builds a
 * context and a root store for each connection (about 8 ms with the ~150 system roots, and a
 * context object per pooled upstream socket).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../tls/mod.ts";
 * import { UpstreamConnector } from "./upstream_connector.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const ca = await CertificateAuthority.loadOrCreate(dir);
 * const { chainPem: cert, keyPem: key } = await ca.mintLeaf(["api.test"]);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, cert, key, onListen() {} }, () =>
 *   new Response("hi"));
 * const target = { host: "api.test", port: server.addr.port, address: "127.0.0.1", tls: true };
 * const options = { upstreamCa: [ca.certPem], connectTimeoutMs: 10_000, track: () => {} };
 * const { socket } = await new UpstreamConnector(options).tls(target);
 * assert.equal(socket.authorized, true);
 * socket.destroy();
 * await server.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class UpstreamConnector {
  #upstreamCa: string[];
  #connectTimeoutMs: number;
  #track: (socket: Duplex) => void;
  #trust = new Map<string, TrustStore>();
  #contexts = new Map<TrustStore, tls.SecureContext>();

  /** A connector with its own memory of which trust store verified which host. */
  constructor(options: ConnectorOptions) {
    this.#upstreamCa = options.upstreamCa;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#track = options.track;
  }

  /**
   * A new TCP connection to the target (TCP_NODELAY); `onread` makes it read into one reused
   * buffer instead of emitting "data" (see relay_reads.ts).
   */
  tcp(target: UpstreamTarget, onread?: net.OnReadOpts): Promise<net.Socket> {
    const port = target.connectPort ?? target.port;
    const socket = net.connect({ host: target.address, port, noDelay: true, onread });
    return this.#whenReady(socket, "connect", target);
  }

  /**
   * A new TCP connection to the target on Deno's own socket (TCP_NODELAY), for a blind tunnel
   * that copies it with a read/write loop (see `conn_relay.ts` in the tunnel): not tracked,
   * the tunnel closes it with the client's socket.
   */
  async tcpConn(target: UpstreamTarget): Promise<Deno.TcpConn> {
    const port = target.connectPort ?? target.port;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.#connectTimeoutMs);
    try {
      const conn = await Deno.connect({ hostname: target.address, port, signal: abort.signal });
      conn.setNoDelay(true);
      return conn;
    } catch (error) {
      if (!abort.signal.aborted) throw connectError(error as Error, target);
      const message = `Connecting to ${target.host}:${target.port} timed out`;
      throw new UpstreamError(504, "upstream_timeout", message);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A new verified TLS connection to the target (TCP_NODELAY, ALPN http/1.1 unless `alpn`), and
   * the gate that pauses its reads (a paused `node:tls` socket alone keeps reading: see
   * flow_gate.ts).
   *
   * Why `node:tls` and not `Deno.startTls`, which costs 10-20 % less CPU per byte relayed: each
   * Deno TLS client holds about 150 KB against 88 KB (256 connections: +38 MB, +60 KB each,
   * with or without a CA list), and at 256 L7 clients the proxy peaked at 171-172 MB against
   * 132-135 MB and served 0.82-0.84× ssl-bump Squid's requests against 1.07-1.15×. Nor for an
   * HTTP/2 origin's one session, where that memory would not count: `Deno.startTls` behind a
   * Duplex for `node:http2` spent as much CPU on a 256 MB upload (5.5-6.4 CPU-s/GB against
   * 5.7-6.2) and 2.6× as much on the download (92,000 smaller pieces to relay against 62,000,
   * each read into a fresh 64 KiB buffer), although alone it writes for a third of the CPU
   * `node:tls` spends (0.8 against 2.2-2.4 CPU-s/GB, 256 MiB in 16 KiB writes).
   */
  async tls(target: UpstreamTarget): Promise<{ socket: tls.TLSSocket; flow: FlowControl }> {
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
    const fast: TrustStore[] = this.#upstreamCa.length === 0
      ? ["default"]
      : target.overridden
      ? ["extra", "default"]
      : ["default", "extra"];
    const order: TrustStore[] = [...fast, "system"];
    const known = this.#trust.get(target.host);
    return known === undefined ? order : [known, ...order.filter((s) => s !== known)];
  }

  /** The shared context of an explicit CA list; none for Deno's default roots. */
  #contextFor(store: TrustStore): tls.SecureContext | undefined {
    if (store === "default") return undefined;
    let context = this.#contexts.get(store);
    if (context === undefined) {
      const ca = store === "extra" ? this.#upstreamCa : systemRoots();
      context = tls.createSecureContext({ ca });
      this.#contexts.set(store, context);
    }
    return context;
  }

  async #connectTlsWith(
    target: UpstreamTarget,
    store: TrustStore,
  ): Promise<{ socket: tls.TLSSocket; flow: FlowControl }> {
    const sni = net.isIP(target.host) === 0 ? target.host : undefined;
    const { stream, flow } = tlsTransport(await this.tcp(target));
    const socket = tls.connect({
      socket: stream as net.Socket,
      servername: sni,
      ALPNProtocols: target.alpn ?? ["http/1.1"],
      secureContext: this.#contextFor(store), // undefined: Deno's own roots
      checkServerIdentity: (_name, cert) => tls.checkServerIdentity(target.host, cert),
    });
    // A TCP socket always has a handle to pause; the gate is there for any other stream.
    return { socket: await this.#whenReady(socket, "secureConnect", target), flow: flow! };
  }

  #whenReady<T extends net.Socket>(socket: T, ready: string, target: UpstreamTarget): Promise<T> {
    this.#track(socket);
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
      const onError = (error: Error) => fail(connectError(error, target));
      const timer = setTimeout(() => {
        socket.off("error", onError);
        socket.on("error", () => {});
        fail(
          new UpstreamError(
            504,
            "upstream_timeout",
            `Connecting to ${target.host}:${target.port} timed out`,
          ),
        );
      }, this.#connectTimeoutMs);
      socket.once(ready, onReady);
      socket.once("error", onError);
    });
  }
}

function systemRoots(): string[] {
  // deno-lint-ignore no-explicit-any
  const fromSystem = (tls as any).getCACertificates?.("system") as string[] | undefined;
  return fromSystem ?? [...tls.rootCertificates];
}
