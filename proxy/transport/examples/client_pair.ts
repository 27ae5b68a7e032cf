/**
 * A client connection to drive one request handler with, for the transport's examples: the
 * proxy's end of a loopback TCP pair as a `ClientConnection` (its context built from a policy's
 * YAML, a CA in a temporary directory, every OCSF event kept), the agent's end as a `Deno.Conn`.
 * The handlers take a `ClientConnection`, so an example of one needs a real connection and
 * context; this builds them the way `startProxy()` does, without a listener in between.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { loadPolicyText } from "../../policy/mod.ts";
import type { OcsfEvent } from "../../ocsf/mod.ts";
import { CertificateAuthority } from "../../tls/mod.ts";
import { ByteStream } from "../../wire/mod.ts";
import type { ResolveOverride } from "../../upstream/mod.ts";
import {
  ClientConnection,
  createContext,
  duplexFromDenoConn,
  type LivePolicy,
  type ProxyContext,
} from "../connection/mod.ts";

/** Options of {@linkcode clientPair}. */
export interface ClientPairOptions {
  /** Names pointed at local servers (as `--resolve`). */
  resolve?: ResolveOverride[];
  /** Extra CAs the upstream connections trust (PEM). */
  upstreamCa?: string[];
  /** Serves `http://policy.local/...`. */
  policyLocal?: (request: Request) => Promise<Response>;
}

/** Both ends of the pair, and what the proxy's end recorded. */
export interface ClientPair extends AsyncDisposable {
  /** The proxy's end, as the handlers take it (requester `/usr/bin/curl`). */
  client: ClientConnection;
  /** The shared context (policy, CA, upstream pool …). */
  ctx: ProxyContext;
  /** The agent's end. */
  peer: Deno.TcpConn;
  /** Every decision's OCSF event, in order. */
  events: OcsfEvent[];
  /** The CA's certificate (PEM), for a TLS client inside a tunnel. */
  caPem: string;
  /** Write `text` (latin1) on the agent's end. */
  send(text: string): Promise<void>;
  /** Read on the agent's end until what arrived (latin1) matches `until`, or it closes. */
  read(until: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * End the proxy's side for writing, as `serveClient()` does once a handler returns, and read
   * everything the agent's end got (latin1), stopping after `timeoutMs` at most.
   */
  received(timeoutMs?: number): Promise<string>;
  /** Close both ends, the upstream pool, and remove the CA's directory. */
  close(): Promise<void>;
}

/**
 * Build a pair for a policy given as YAML.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "./client_pair.ts";
 *
 * await using pair = await clientPair("version: 1\n");
 * const decision = await pair.client.decide("a.test", 443);
 * assert.equal(decision.verdict, "deny");
 * assert.equal(pair.events.length, 1);
 * ```
 */
export async function clientPair(
  policyYaml: string,
  options: ClientPairOptions = {},
): Promise<ClientPair> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-client-pair-" });
  const ca = await CertificateAuthority.loadOrCreate(dir);
  const events: OcsfEvent[] = [];
  const sockets = new Set<Duplex>();
  const listen = { hostname: "127.0.0.1", port: 0 };
  const holder = fixedPolicy(policyYaml);
  const skillPath = "/etc/tollgate/skills/policy_advisor.md";
  const onEvent = (event: OcsfEvent) => void events.push(event);
  const ctx = createContext(
    { listen, holder, ca, skillPath, onEvent, ...options },
    (s) => sockets.add(s),
  );
  const listener = Deno.listen(listen);
  const port = listener.addr.port;
  const [peer, conn] = await Promise.all([Deno.connect({ ...listen, port }), listener.accept()]);
  listener.close();
  const stream = new ByteStream(duplexFromDenoConn(conn));
  const identity = { exe: "/usr/bin/curl", ancestors: [] };
  const client = new ClientConnection(ctx, stream, () => Promise.resolve(identity));
  const close = async () => {
    stream.destroy();
    for (const socket of sockets) socket.destroy();
    ctx.pool.close();
    closeQuietly(peer);
    await stream.closed;
    await Deno.remove(dir, { recursive: true });
  };
  return {
    client,
    ctx,
    peer,
    events,
    caPem: ca.certPem,
    send: (text) => peer.write(Uint8Array.from(text, (c) => c.charCodeAt(0))).then(() => {}),
    read: (until, timeoutMs = 5000) => readUntil(peer, until, timeoutMs),
    received: (timeoutMs = 5000) => {
      stream.socket.end();
      return readUntil(peer, undefined, timeoutMs);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function fixedPolicy(yaml: string): LivePolicy {
  const { compiled } = loadPolicyText(yaml, "example.yaml");
  const spent = new Set<string>();
  return {
    generation: 1,
    current: () => ({ compiled }),
    spent: (key) => spent.has(key),
    spend: (key) => void spent.add(key),
    subscribe: () => () => {},
  };
}

async function readUntil(
  conn: Deno.Conn,
  until: RegExp | undefined,
  timeoutMs: number,
): Promise<string> {
  const timer = setTimeout(() => closeQuietly(conn), timeoutMs);
  const buffer = new Uint8Array(16 * 1024);
  let text = "";
  try {
    while (until === undefined || !until.test(text)) {
      const n = await conn.read(buffer);
      if (n === null) break;
      for (const byte of buffer.subarray(0, n)) text += String.fromCharCode(byte);
    }
  } catch {
    // Closed by the timer: return what arrived.
  } finally {
    clearTimeout(timer);
  }
  return text;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
