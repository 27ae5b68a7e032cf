/**
 * The set-up of the raw-socket WebSocket tests: a recording {@linkcode WebSocketOrigin} behind
 * a test proxy that sends public names on port 80 to it, connections opened through the proxy
 * on a raw socket, and the close the proxy sent.
 *
 * @module
 */

import assert from "node:assert/strict";
import { handshake, RawWebSocket } from "./websocket_client.ts";
import { WebSocketOrigin } from "./websocket_origin.ts";
import type { TestProxy } from "./test_proxy.ts";
import { withTestProxy } from "./with_test_proxy.ts";

/** Options of {@linkcode withWebSocketOrigin}. */
export interface WithWebSocketOriginOptions {
  /** The proxy's policy (YAML). */
  policy: string;
  /** Names whose port 80 the proxy sends to the origin. */
  hosts: string[];
  /** Also write the OCSF log files (the test proxy's `writeLogs`). */
  writeLogs?: boolean;
}

/**
 * Run `run` against a fresh recording origin behind a fresh test proxy (plain HTTP, no other
 * upstream host), then close the proxy, its upstreams and the origin, also when it fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openWebSocket, withWebSocketOrigin } from "./mod.ts";
 * const policy = "version: 1\nnetwork_policies:\n  chat:\n    endpoints:\n" +
 *   "      - { host: chat.example.com, port: 80, protocol: rest, access: read-only }\n" +
 *   `    binaries: [{ path: "${Deno.execPath()}" }]\n`;
 * await withWebSocketOrigin({ policy, hosts: ["chat.example.com"] }, async (proxy, origin) => {
 *   const ws = await openWebSocket(proxy, "http://chat.example.com/chat");
 *   ws.close();
 *   assert.match(origin.heads[0] ?? "", /^GET \/chat HTTP\/1\.1/);
 * });
 * ```
 */
export async function withWebSocketOrigin(
  options: WithWebSocketOriginOptions,
  run: (proxy: TestProxy, origin: WebSocketOrigin) => Promise<void>,
): Promise<void> {
  const origin = WebSocketOrigin.start();
  try {
    const at = { port: 80, address: "127.0.0.1", targetPort: origin.port };
    const resolve = options.hosts.map((host) => ({ host, ...at }));
    const { policy, writeLogs } = options;
    const proxyOptions = { policy, writeLogs, httpsHosts: [], httpHosts: [], resolve };
    await withTestProxy(proxyOptions, (proxy) => run(proxy, origin));
  } finally {
    await origin.close();
  }
}

/**
 * Open `url` through `proxy` on a raw socket (absolute-form, `host` as the Host header, the
 * URL's host unless told, and `early` bytes sent with the handshake) and assert it upgraded.
 */
export async function openWebSocket(
  proxy: TestProxy,
  url: string,
  options: { host?: string; early?: Uint8Array } = {},
): Promise<RawWebSocket> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  const host = options.host ?? new URL(url).host;
  const ws = await RawWebSocket.open(conn, handshake(url, host), options.early);
  assert.match(ws.head, /^HTTP\/1\.1 101 /);
  return ws;
}

/** The close the proxy sent, as `"CODE reason"`, once it closed the connection. */
export async function closedWith(ws: RawWebSocket): Promise<string> {
  const frames = await ws.frames();
  ws.close();
  const close = frames.find((f) => f.opcode === 8);
  return close ? `${close.code} ${close.text}` : `no close: ${JSON.stringify(frames)}`;
}
