/**
 * `startProxy()`: the enforcing proxy's listener and the handle to stop it.
 *
 * @module
 */

import * as net from "node:net";
import type { Duplex } from "node:stream";
import type { RequesterIdentity } from "../policy/mod.ts";
import { classifyAddress } from "../policy/mod.ts";
import { createProcIdentityResolver, type PeerAddress } from "../identity/mod.ts";
import { clientLimit, descriptorsNearLimit } from "./client_limit.ts";
import { createContext, MAX_CLIENT_CONNECTIONS, type ProxyOptions } from "./connection/mod.ts";
import { serveClient } from "./serve_client.ts";
import { connectionCap, descriptorBudget, readDescriptorLimit } from "./connection_cap.ts";
import { ResilientListener } from "../listener/mod.ts";

export type { ProxyOptions } from "./connection/mod.ts";

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
  /**
   * The request-body budget of every connection together (see `bodyBudgetBytes`): bytes
   * `held` now out of `limit`, and bodies `waiting` for room.
   */
  readonly bodyBudget: { readonly held: number; readonly limit: number; readonly waiting: number };
  /**
   * What answers on their way to HTTP/2 clients reserve (see `answerBudgetBytes`): bytes
   * `held` now (at most `limit` plus one stream per session), and streams `waiting` for room.
   */
  readonly answerBudget: {
    readonly held: number;
    readonly limit: number;
    readonly waiting: number;
  };
  /** HTTP/2 streams `waiting` for one of their session's HTTP/1.1 upstream connections. */
  readonly upstreamLanes: { readonly waiting: number };
}

/**
 * Start the enforcing proxy.
 *
 * @throws {RangeError} For a non-loopback listen address without `allowRemote`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "../policy/mod.ts";
 * import { CertificateAuthority } from "../tls/mod.ts";
 * import type { LivePolicy } from "./connection/mod.ts";
 * import { startProxy } from "./proxy_server.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const ca = await CertificateAuthority.loadOrCreate(dir);
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * const holder: LivePolicy = {
 *   generation: 1,
 *   current: () => ({ compiled }),
 *   spent: () => false,
 *   spend: () => {},
 *   subscribe: () => () => {},
 * };
 * const listen = { hostname: "127.0.0.1", port: 0 };
 * const proxy = await startProxy({ listen, holder, ca, skillPath: "/skills/policy_advisor.md" });
 * const client = Deno.createHttpClient({ proxy: { url: `http://127.0.0.1:${proxy.port}` } });
 * const response = await fetch("http://a.test/", { client });
 * assert.equal(response.status, 403); // no rule allows it
 * assert.equal((await response.json()).error, "policy_denied");
 * client.close();
 * await proxy.close();
 * await Deno.remove(dir, { recursive: true });
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
  const budget = descriptorBudget(limit);
  // Idle upstream connections keep only what client connections (two descriptors each) leave
  // of the budget; a client admitted into that room closes the oldest of them first.
  const idleRoom = () => budget - 2 * clients.open();
  const clients = clientLimit(
    connectionCap(options.maxConnections ?? MAX_CLIENT_CONNECTIONS, limit),
    () => ctx.pool.trimIdle(idleRoom()),
  );
  const { admit, refusedSince, connectionSlot } = clients;
  const identity = options.identity ??
    createProcIdentityResolver({ lazyScan: options.listenerIdle });
  const laneTally = { waiting: 0 };
  const ctx = { ...createContext(options, track, idleRoom), connectionSlot, laneTally };
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
    bodyBudget: ctx.bodyBudget,
    answerBudget: ctx.answerBudget,
    upstreamLanes: laneTally,
    async close() {
      ctx.pool.close();
      ctx.inflateWorker?.close();
      ctx.auditPace?.close();
      const minted = ctx.denialContexts.close();
      await closeAll(listener, sockets);
      await minted;
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
