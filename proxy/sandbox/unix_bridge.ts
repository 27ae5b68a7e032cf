/**
 * The runner's half of the sandbox bridge: a Unix socket that the in-namespace forwarder
 * connects to, once per client connection, announcing both ends of the client's TCP connection.
 *
 * @module
 */

import * as net from "node:net";
import { type BridgePeer, decodePreamble, PREAMBLE_LENGTH } from "./_preamble.ts";
import { closeOnExec } from "./_close_on_exec.ts";

export type { BridgePeer } from "./_preamble.ts";

/**
 * Called for each authenticated bridged connection with the TCP connection the forwarder
 * accepted inside the sandbox; it now owns `socket`.
 */
export type BridgeHandler = (socket: net.Socket, peer: BridgePeer) => void;

/** Options of {@linkcode UnixBridge.listen}. */
export interface UnixBridgeOptions {
  /** How long a new connection may take to send its preamble. */
  preambleTimeoutMs?: number;
  /** Told (without secrets) about connections that were refused. */
  onRefused?: (reason: string) => void;
}

const defaults = { preambleTimeoutMs: 5_000 } satisfies UnixBridgeOptions;

/** Longest Unix socket path Linux accepts (`sun_path` is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;

/**
 * Listens on a Unix socket for the forwarder. Each connection must start with the preamble
 * carrying the bridge secret; anything else is closed unanswered. The socket file is made
 * 0600 (its directory should be 0700) and removed by {@linkcode UnixBridge.close}.
 *
 * Why a secret: the socket is a file, and files cross network namespaces. Whoever can open it
 * could otherwise claim the source port of another process's live connection and borrow its
 * identity. In netns mode the command cannot even see the file (its state directory is
 * hidden), and without the secret — held only by the runner and the forwarder, never in argv
 * or the environment — a connection is refused before any byte reaches the proxy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnixBridge } from "./unix_bridge.ts";
 * import { newBridgeSecret } from "./_preamble.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const bridge = await UnixBridge.listen(`${dir}/proxy.sock`, newBridgeSecret(), (socket) => {
 *   socket.destroy();
 * });
 * assert.equal((await Deno.stat(bridge.path)).mode! & 0o777, 0o600);
 * await bridge.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class UnixBridge {
  /** The socket file. */
  readonly path: string;
  #server: net.Server;
  #sockets = new Set<net.Socket>();

  private constructor(path: string, server: net.Server) {
    this.path = path;
    this.#server = server;
  }

  /**
   * Start listening at `path` and hand authenticated connections to `handler`.
   *
   * @throws {RangeError} When `path` is too long for a Unix socket.
   */
  static async listen(
    path: string,
    secret: string,
    handler: BridgeHandler,
    options: UnixBridgeOptions = {},
  ): Promise<UnixBridge> {
    if (new TextEncoder().encode(path).length > MAX_SOCKET_PATH) {
      throw new RangeError(
        `Socket path "${path}" is longer than ${MAX_SOCKET_PATH} bytes: use a shorter --state`,
      );
    }
    const settings = { ...defaults, ...options };
    const server = net.createServer({ allowHalfOpen: true });
    const bridge = new UnixBridge(path, server);
    server.on("connection", (socket) => bridge.#admit(socket, secret, handler, settings));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
    try {
      closeOnExec(path);
    } catch (error) {
      await bridge.close();
      throw error;
    }
    await Deno.chmod(path, 0o600);
    return bridge;
  }

  /** Stop accepting, close every bridged connection still open, remove the socket file. */
  async close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await stopped;
    await Deno.remove(this.path).catch(() => {});
  }

  #admit(
    socket: net.Socket,
    secret: string,
    handler: BridgeHandler,
    options: typeof defaults & UnixBridgeOptions,
  ): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    const refuse = (reason: string) => {
      finish();
      options.onRefused?.(reason);
      socket.destroy();
    };
    const timer = setTimeout(
      () => refuse("bridge connection sent no preamble in time"),
      options.preambleTimeoutMs,
    );
    const onReadable = () => {
      // read(n) returns null until n bytes are buffered, and never more than n.
      const bytes: Uint8Array | null = socket.read(PREAMBLE_LENGTH);
      if (bytes === null) return;
      const peer = decodePreamble(bytes, secret);
      if (peer === undefined) return refuse("bridge connection without a valid preamble");
      finish();
      handler(socket, peer);
    };
    // A connection closed with no byte sent is the forwarder's check, as it starts, that it can
    // open the socket (see netns_forwarder.ts): closed, and not reported.
    const onEnd = () =>
      socket.readableLength === 0 && socket.bytesRead === 0
        ? (finish(), socket.destroy())
        : refuse("bridge connection closed before its preamble");
    const finish = () => {
      clearTimeout(timer);
      socket.off("readable", onReadable);
      socket.off("end", onEnd);
      socket.off("error", onEnd);
    };
    socket.on("readable", onReadable);
    socket.on("end", onEnd);
    socket.on("error", onEnd);
  }
}
