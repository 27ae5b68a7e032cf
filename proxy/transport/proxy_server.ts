/**
 * `startProxy()`: the enforcing proxy's listener and the handle to stop it.
 *
 * @module
 */

import * as net from "node:net";
import type { Duplex } from "node:stream";
import type { OcsfEvent } from "../ocsf/mod.ts";
import type { RequesterIdentity } from "../policy/mod.ts";
import { classifyAddress } from "../policy/mod.ts";
import { POLICY_LOCAL_LIMITS } from "../policy_local/mod.ts";
import type { LivePolicy } from "./live_policy.ts";
import {
  createProcIdentityResolver,
  type IdentityResolver,
  type PeerAddress,
} from "../identity/mod.ts";
import {
  type CertificateAuthority,
  DenialContexts,
  type DenialContextsOptions,
} from "../tls/mod.ts";
import { DestinationResolver, type ResolveOverride } from "./destination.ts";
import { serveClient } from "./serve_client.ts";
import { ByteStream } from "./byte_stream.ts";
import { lingeringClose } from "./lingering_close.ts";
import { connectionCap, readDescriptorLimit } from "./connection_cap.ts";
import { ResilientListener } from "./resilient_listener.ts";
import { MAX_CLIENT_CONNECTIONS, type ProxyContext } from "./proxy_context.ts";
import { sendError } from "./responses.ts";
import { UpstreamPool } from "./upstream_pool.ts";

/** Options of {@linkcode startProxy}. */
export interface ProxyOptions {
  /** Where to listen; port 0 picks a free port. */
  listen: { hostname: string; port: number };
  /** The policy in force (swapped on reload). */
  holder: LivePolicy;
  /** Mints the leaf certificates for intercepted hosts. */
  ca: CertificateAuthority;
  /** Operator-trusted address overrides (they bypass the SSRF guard). */
  resolve?: ResolveOverride[];
  /** Extra CAs (PEM texts) trusted for upstream TLS besides the default roots. */
  upstreamCa?: string[];
  /** Serves `http://policy.local/...`. */
  policyLocal?: (request: Request) => Promise<Response>;
  /**
   * Receives one OCSF event per decision. When it returns a promise, a denial is answered
   * only once that promise settles: the agent never hears of a denial that
   * `/v1/denials` cannot show yet.
   */
  onEvent?: (event: OcsfEvent) => void | Promise<void>;
  /** Who is behind a TCP connection; the `/proc` resolver by default. */
  identity?: IdentityResolver;
  /** Skill path named in deny bodies. */
  skillPath: string;
  /** Slow-client limit for a request head (default 15 s). */
  headTimeoutMs?: number;
  /** Idle limit between requests on a kept-alive connection (default 60 s). */
  idleTimeoutMs?: number;
  /** Upstream must start answering within this long (default 60 s). */
  upstreamTimeoutMs?: number;
  /** Connecting upstream may take this long (default 10 s). */
  connectTimeoutMs?: number;
  /** A policy.local request body must arrive whole within this long (default 15 s). */
  policyLocalBodyTimeoutMs?: number;
  /** Allow a non-loopback listen address. */
  allowRemote?: boolean;
  /**
   * Client connections served at once; more are answered 503 and closed (default 512). It is
   * lowered to what the process's open-file limit allows (two descriptors per connection).
   */
  maxConnections?: number;
  /** The soft open-file limit to size the connection cap by; read from `/proc` by default. */
  descriptorLimit?: number;
  /** Hears of listener trouble (out of descriptors, listening again), at most once per 10 s. */
  onTrouble?: (message: string) => void;
  /** The budget of leaves minted to tell L4 denials in-band (10 a second, 20 at once). */
  denialMints?: DenialContextsOptions;
}

const defaults = {
  headTimeoutMs: 15_000,
  idleTimeoutMs: 60_000,
  upstreamTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
} satisfies Partial<ProxyOptions>;

/** A running proxy. */
export interface ProxyHandle {
  /** The port it listens on. */
  port: number;
  /** The address it listens on. */
  hostname: string;
  /** Stop listening, close every connection and wait until they are closed. */
  close(): Promise<void>;
  /**
   * Serve a connection that arrived elsewhere (e.g. a unix-socket bridge from a sandbox),
   * with its requester identity resolved by the caller.
   */
  serveConnection(conn: Duplex, identity: () => Promise<RequesterIdentity | Error>): void;
}

/**
 * Start the enforcing proxy.
 *
 * @throws {RangeError} For a non-loopback listen address without `allowRemote`.
 * @example
 * ```ts ignore
 * const proxy = await startProxy({ listen: { hostname: "127.0.0.1", port: 0 }, holder, ca, skillPath });
 * await proxy.close();
 * ```
 */
export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const { hostname } = options.listen;
  if (
    !options.allowRemote && hostname !== "localhost" && classifyAddress(hostname) !== "loopback"
  ) {
    throw new RangeError(
      `Refusing to listen on non-loopback address "${hostname}" (use --allow-remote to insist)`,
    );
  }
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const limit = options.descriptorLimit ?? readDescriptorLimit();
  const { admit, refusedSince } = clientLimit(
    connectionCap(options.maxConnections ?? MAX_CLIENT_CONNECTIONS, limit),
  );
  const identity = options.identity ?? createProcIdentityResolver();
  const ctx = createContext(options, track);
  const listener = await ResilientListener.open({
    hostname,
    port: options.listen.port,
    onTrouble: options.onTrouble,
    // A probe that goes unanswered means a deaf listener only when descriptors ran short;
    // otherwise the process was merely slow, and listening again would reset queued clients.
    shortOfDescriptors: () => refusedSince() || descriptorsNearLimit(limit),
    onConnection(socket) {
      socket.setNoDelay(true);
      track(socket);
      if (!admit(socket)) return;
      // Resolve who is asking at once, while the client is still sending its first request
      // head (and while its socket certainly still exists).
      const who = identity.resolve(peerOf(socket)).then(
        (found) => found,
        (error) => error instanceof Error ? error : new Error(String(error)),
      );
      void serveClient(ctx, socket, () => who, socket.remotePort);
    },
  });
  return {
    port: listener.port,
    hostname,
    async close() {
      ctx.pool.close();
      await closeAll(listener, sockets);
      if (options.identity === undefined) identity.close?.();
    },
    serveConnection(conn, resolveIdentity) {
      if (conn instanceof net.Socket) conn.setNoDelay(true);
      track(conn);
      if (!admit(conn)) return;
      const srcPort = conn instanceof net.Socket ? conn.remotePort : undefined;
      void serveClient(ctx, conn, resolveIdentity, srcPort);
    },
  };
}

/**
 * Counts client connections: admits one (and counts it until it closes) while fewer than
 * `max` are open, otherwise answers it 503 and closes it. `refusedSince()` says whether one
 * was refused since it was last asked.
 */
function clientLimit(max: number): { admit(socket: Duplex): boolean; refusedSince(): boolean } {
  let open = 0;
  let refused = false;
  return {
    admit(socket) {
      if (open >= max) {
        refused = true;
        void refuseConnection(socket, max);
        return false;
      }
      open++;
      socket.once("close", () => open--);
      return true;
    },
    refusedSince() {
      const was = refused;
      refused = false;
      return was;
    },
  };
}

/** Whether this process holds at least three quarters of the descriptors it may open. */
function descriptorsNearLimit(limit: number | undefined): boolean {
  if (limit === undefined) return true;
  try {
    let open = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) open++;
    return open >= limit * 0.75;
  } catch {
    return true;
  }
}

async function refuseConnection(socket: Duplex, max: number): Promise<void> {
  const detail = `The proxy is serving its limit of ${max} connections: close idle ones and retry`;
  await sendError(new ByteStream(socket), 503, "too_many_connections", detail);
  await lingeringClose(socket);
}

function peerOf(socket: net.Socket): PeerAddress {
  return {
    localPort: socket.localPort ?? 0,
    localAddress: socket.localAddress,
    remotePort: socket.remotePort ?? 0,
    remoteAddress: socket.remoteAddress ?? "",
  };
}

async function closeAll(listener: ResilientListener, sockets: Set<Duplex>): Promise<void> {
  const stopped = listener.close();
  const closing = [...sockets].map((socket) =>
    new Promise<void>((resolve) => {
      if (socket.closed) return resolve();
      socket.once("close", () => resolve());
      socket.destroy();
    })
  );
  await Promise.all([stopped, ...closing]);
}

function createContext(options: ProxyOptions, track: (socket: Duplex) => void): ProxyContext {
  const connectTimeoutMs = options.connectTimeoutMs ?? defaults.connectTimeoutMs;
  return {
    holder: options.holder,
    ca: options.ca,
    denialContexts: new DenialContexts(options.ca, options.denialMints),
    pool: new UpstreamPool({ upstreamCa: options.upstreamCa, connectTimeoutMs, track }),
    destinations: new DestinationResolver(options.resolve),
    policyLocal: options.policyLocal,
    emit(event) {
      try {
        const recorded = options.onEvent?.(event);
        return recorded instanceof Promise ? recorded.catch(() => {}) : undefined;
      } catch {
        // A failing log sink must not break enforcement.
        return undefined;
      }
    },
    skillPath: options.skillPath,
    headTimeoutMs: options.headTimeoutMs ?? defaults.headTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? defaults.idleTimeoutMs,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? defaults.upstreamTimeoutMs,
    connectTimeoutMs,
    policyLocalBodyTimeoutMs: options.policyLocalBodyTimeoutMs ??
      POLICY_LOCAL_LIMITS.bodyReadTimeoutMs,
    track,
  };
}
