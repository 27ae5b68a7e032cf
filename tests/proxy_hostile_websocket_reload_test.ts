/**
 * A WebSocket whose rule is revoked while its handshake waits for the origin's 101: the
 * decision was taken under the old policy, and before, nothing listened for reloads until the
 * 101 had been relayed, so the socket stayed open (until some later reload) under a rule that
 * no longer existed. OpenShell checks its policy generation again once the upgrade is done
 * (`ensure_upgrade_generation_current`, closing with 1012); so does Tollgate now.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import {
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  type TestUpstreams,
} from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  ws:
    endpoints:
      - { host: ws.example.com, port: 443, protocol: rest, access: read-only }
      - { host: plain-ws.example.com, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: "${Deno.execPath()}" }]
`;
const REVOKED = "version: 1\nnetwork_policies: {}\n";
const SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n" +
  "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

const handshake = (target: string, host: string) =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

/** An origin that answers each handshake with 101 only when told, then holds the socket. */
class SlowOrigin {
  readonly arrived = Promise.withResolvers<void>();
  readonly answer = Promise.withResolvers<void>();
  readonly #listener: Deno.Listener;
  readonly #conns: Deno.Conn[] = [];
  readonly #serving: Promise<void>;

  constructor(listener: Deno.Listener) {
    this.#listener = listener;
    this.#serving = this.#serve();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  async #serve(): Promise<void> {
    for await (const conn of this.#listener) {
      this.#conns.push(conn);
      void this.#handshake(conn).catch(() => {});
    }
  }

  async #handshake(conn: Deno.Conn): Promise<void> {
    let text = "";
    const buffer = new Uint8Array(4096);
    while (!text.includes("\r\n\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) return;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    this.arrived.resolve();
    await this.answer.promise;
    await conn.write(new TextEncoder().encode(SWITCHING));
    while ((await conn.read(buffer)) !== null) { /* frames */ }
  }

  async close(): Promise<void> {
    this.#listener.close();
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // Closed by the proxy.
      }
    }
    await this.#serving.catch(() => {});
  }
}

/** Read the 101, then "closed" once the proxy ends `conn`, "open" if it is up after 10 s. */
async function afterSwitching(conn: Deno.Conn): Promise<"closed" | "open" | string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) return `closed before the head: ${text}`;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  if (!text.startsWith("HTTP/1.1 101 ")) return text.split("\r\n")[0]!;
  const drain = (async () => {
    while ((await conn.read(buffer).catch(() => null)) !== null) { /* frames */ }
    return "closed" as const;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = new Promise<"open">((resolve) => (timer = setTimeout(resolve, 10_000, "open")));
  const result = await Promise.race([drain, open]);
  clearTimeout(timer);
  conn.close();
  await drain;
  return result;
}

async function withOrigins(
  run: (proxy: TestProxy, origins: { plain: SlowOrigin; secure: SlowOrigin }) => Promise<void>,
): Promise<void> {
  const upstreams: TestUpstreams = await startTestUpstreams();
  // The upstreams' CA directory: the proxy already trusts that CA.
  const ca = await CertificateAuthority.loadOrCreate(join(upstreams.caPath, "..", ".."));
  const leaf = await ca.mintLeaf(["ws.example.com"]);
  const plain = new SlowOrigin(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const secure = new SlowOrigin(
    Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: leaf.chainPem, key: leaf.keyPem }),
  );
  const proxy = await startTestProxy({
    policy: POLICY,
    upstreams,
    httpsHosts: [],
    httpHosts: [],
    resolve: [
      { host: "ws.example.com", port: 443, address: "127.0.0.1", targetPort: secure.port },
      { host: "plain-ws.example.com", port: 80, address: "127.0.0.1", targetPort: plain.port },
    ],
  });
  try {
    await run(proxy, { plain, secure });
  } finally {
    plain.answer.resolve();
    secure.answer.resolve();
    await proxy.close();
    await Promise.all([plain.close(), secure.close()]);
    await upstreams.close();
  }
}

Deno.test("proxy hostile WebSocket: a rule revoked while the origin's 101 is awaited closes the plain WebSocket it opens", async () => {
  await withOrigins(async (proxy, { plain }) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const request = handshake("http://plain-ws.example.com/ws", "plain-ws.example.com");
    await conn.write(new TextEncoder().encode(request));
    await plain.arrived.promise; // decided and sent: the origin holds its answer
    assert.ok(proxy.holder.update(REVOKED).ok);
    plain.answer.resolve();
    // Before, the WebSocket stayed open under the revoked rule until some later reload.
    assert.equal(await afterSwitching(conn), "closed");
  });
});

Deno.test("proxy hostile WebSocket: a rule revoked while the origin's 101 is awaited closes the intercepted WebSocket it opens", async () => {
  await withOrigins(async (proxy, { secure }) => {
    const raw = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const connect = "CONNECT ws.example.com:443 HTTP/1.1\r\nHost: ws.example.com\r\n\r\n";
    await raw.write(new TextEncoder().encode(connect));
    const buffer = new Uint8Array(1024);
    let head = "";
    while (!head.includes("\r\n\r\n")) {
      const n = await raw.read(buffer);
      if (n === null) throw new Error("CONNECT closed");
      head += new TextDecoder().decode(buffer.subarray(0, n));
    }
    assert.match(head, /^HTTP\/1\.1 200 /);
    const caCerts = [await Deno.readTextFile(proxy.caPath)];
    const conn = await Deno.startTls(raw, { hostname: "ws.example.com", caCerts });
    await conn.write(new TextEncoder().encode(handshake("/ws", "ws.example.com")));
    await secure.arrived.promise;
    assert.ok(proxy.holder.update(REVOKED).ok);
    secure.answer.resolve();
    assert.equal(await afterSwitching(conn), "closed");
  });
});
