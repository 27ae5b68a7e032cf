/**
 * WebSockets through the proxy (issue #13 item 4): decided as their GET inside an intercepted
 * tunnel, then frames flow both ways; denied ones get the structured 403.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import {
  rawRequest,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  type TestUpstreams,
} from "./support/mod.ts";
import { HTTPS_HOSTS } from "./toolchain_fixtures.ts";

const WS_POLICY = `version: 1
network_policies:
  ws:
    endpoints:
      - host: ws.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: /ws }
          - allow: { method: GET, path: /plain }
      - { host: plain-ws.example.com, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: "${Deno.execPath()}" }]
`;

/** WebSocket echo servers (HTTPS, signed by the test upstreams' CA, and plain HTTP). */
async function startEchoServers(upstreams: TestUpstreams) {
  // The upstreams' CA directory: the proxy already trusts that CA.
  const ca = await CertificateAuthority.loadOrCreate(join(upstreams.caPath, "..", ".."));
  const leaf = await ca.mintLeaf(["ws.example.com"]);
  const seen: { path: string; key: string | null }[] = [];
  const handler = (request: Request) => {
    seen.push({
      path: new URL(request.url).pathname,
      key: request.headers.get("sec-websocket-key"),
    });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response(`no upgrade: ${request.headers.get("upgrade") ?? "-"}`);
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    return response;
  };
  const quiet = { hostname: "127.0.0.1", port: 0, onListen: () => {} };
  const secure = Deno.serve({ ...quiet, cert: leaf.chainPem, key: leaf.keyPem }, handler);
  const plain = Deno.serve(quiet, handler);
  return {
    seen,
    securePort: secure.addr.port,
    plainPort: plain.addr.port,
    async close() {
      await Promise.all([secure.shutdown(), plain.shutdown()]);
    },
  };
}

const HANDSHAKE = (target: string, host: string, extra = "") =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

/** A masked text frame, as a client must send it (RFC 6455 §5.3). */
function clientFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const mask = [1, 2, 3, 4];
  const frame = new Uint8Array(6 + payload.length);
  frame.set([0x81, 0x80 | payload.length, ...mask]);
  payload.forEach((b, i) => (frame[6 + i] = b ^ mask[i % 4]!));
  return frame;
}

/** Send the handshake on `conn`, check the 101, send one frame, return the echoed text. */
async function echoThrough(conn: Deno.Conn, handshake: string, message: string) {
  await conn.write(new TextEncoder().encode(handshake));
  let raw = new Uint8Array(0);
  const buffer = new Uint8Array(4096);
  const more = async () => {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`closed after ${new TextDecoder().decode(raw)}`);
    raw = new Uint8Array([...raw, ...buffer.subarray(0, n)]);
  };
  const headEnd = () => new TextDecoder().decode(raw).indexOf("\r\n\r\n");
  while (headEnd() === -1) await more();
  const head = new TextDecoder().decode(raw.subarray(0, headEnd()));
  raw = raw.subarray(headEnd() + 4);
  if (!head.startsWith("HTTP/1.1 101")) {
    conn.close();
    return { head, echo: undefined };
  }
  await conn.write(clientFrame(message));
  while (raw.length < 2 || raw.length < 2 + raw[1]!) await more();
  const echo = new TextDecoder().decode(raw.subarray(2, 2 + raw[1]!));
  conn.close();
  return { head, echo };
}

async function withEcho(
  run: (proxy: TestProxy, echo: Awaited<ReturnType<typeof startEchoServers>>) => Promise<void>,
) {
  const upstreams = await startTestUpstreams({ hosts: HTTPS_HOSTS });
  const echo = await startEchoServers(upstreams);
  const proxy = await startTestProxy({
    policy: WS_POLICY,
    upstreams,
    httpsHosts: [],
    httpHosts: [],
    resolve: [
      { host: "ws.example.com", port: 443, address: "127.0.0.1", targetPort: echo.securePort },
      { host: "plain-ws.example.com", port: 80, address: "127.0.0.1", targetPort: echo.plainPort },
    ],
  });
  try {
    await run(proxy, echo);
  } finally {
    await proxy.close();
    await echo.close();
    await upstreams.close();
  }
}

async function interceptedConn(proxy: TestProxy, host: string): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  await conn.write(
    new TextEncoder().encode(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
  );
  const buffer = new Uint8Array(1024);
  let head = "";
  while (!head.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("CONNECT closed");
    head += new TextDecoder().decode(buffer.subarray(0, n));
  }
  assert.match(head, /^HTTP\/1\.1 200 /);
  return await Deno.startTls(conn, {
    hostname: host,
    caCerts: [await Deno.readTextFile(proxy.caPath)],
  });
}

Deno.test("toolchain #13.4: a WebSocket through an intercepted tunnel is decided as its GET, then frames flow both ways", async () => {
  await withEcho(async (proxy, echo) => {
    const conn = await interceptedConn(proxy, "ws.example.com");
    const result = await echoThrough(conn, HANDSHAKE("/ws", "ws.example.com"), "hello");
    assert.match(result.head, /^HTTP\/1\.1 101 /);
    assert.match(result.head, /\r\nupgrade: websocket/i);
    assert.equal(result.echo, "echo hello");
    assert.deepEqual(echo.seen, [{ path: "/ws", key: "dGhlIHNhbXBsZSBub25jZQ==" }]);
    const l7 = proxy.events.filter((e) => e.class_uid === 4002);
    assert.deepEqual(l7.map((e) => e.action_id), [1], "one allowed GET, no other event");
    assert.match(String(l7[0]!.message), /GET .*\/ws/);
  });
});

Deno.test("toolchain #13.4: a denied WebSocket gets the structured 403; plain ws:// is forwarded; h2c is not upgraded", async () => {
  await withEcho(async (proxy, echo) => {
    const denied = await echoThrough(
      await interceptedConn(proxy, "ws.example.com"),
      HANDSHAKE("/admin", "ws.example.com"),
      "x",
    );
    assert.match(denied.head, /^HTTP\/1\.1 403 /);
    assert.equal(echo.seen.length, 0);
    const plain = await echoThrough(
      await Deno.connect({ hostname: "127.0.0.1", port: proxy.port }),
      HANDSHAKE("http://plain-ws.example.com/ws", "plain-ws.example.com"),
      "over http",
    );
    assert.equal(plain.echo, "echo over http");
    const h2c = await rawRequest(proxy.port, [
      "GET http://plain-ws.example.com/h2c HTTP/1.1\r\nHost: plain-ws.example.com\r\n" +
      "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAA\r\n\r\n",
    ]);
    assert.equal(h2c.status, 200);
    assert.equal(h2c.body, "no upgrade: -");
  });
});

/** The handshake on `conn`, then one echo; resolves to the conn kept open after it. */
async function openEcho(conn: Deno.Conn, handshake: string): Promise<Deno.Conn> {
  await conn.write(new TextEncoder().encode(handshake));
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!text.includes("echo first")) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`closed after ${text}`);
    text += new TextDecoder().decode(buffer.subarray(0, n));
    if (text.includes("\r\n\r\n") && !text.includes("echo") && text.startsWith("HTTP/1.1 101")) {
      await conn.write(clientFrame("first"));
    }
  }
  return conn;
}

/** "closed" once the proxy ends `conn`, "open" if it is still up after 10 s. */
async function endedByProxy(conn: Deno.Conn): Promise<"closed" | "open"> {
  const buffer = new Uint8Array(4096);
  const drain = (async () => {
    while ((await conn.read(buffer).catch(() => null)) !== null) { /* frames */ }
    return "closed" as const;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = new Promise<"open">((
    resolve,
  ) => (timer = setTimeout(() => resolve("open"), 10_000)));
  const result = await Promise.race([drain, open]);
  clearTimeout(timer);
  conn.close();
  await drain;
  return result;
}

Deno.test("toolchain #13.4: a reload that no longer allows a WebSocket's GET closes the open WebSocket, intercepted or plain", async () => {
  await withEcho(async (proxy) => {
    const secure = await openEcho(
      await interceptedConn(proxy, "ws.example.com"),
      HANDSHAKE("/ws", "ws.example.com"),
    );
    const plain = await openEcho(
      await Deno.connect({ hostname: "127.0.0.1", port: proxy.port }),
      HANDSHAKE("http://plain-ws.example.com/ws", "plain-ws.example.com"),
    );
    // A reload that keeps the rule keeps the WebSocket.
    assert.ok(proxy.holder.update(`${WS_POLICY}# reviewed\n`).ok);
    await secure.write(clientFrame("again"));
    const buffer = new Uint8Array(256);
    const n = await secure.read(buffer);
    assert.match(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), /echo again/);
    // The /ws rule goes, and plain-ws.example.com with it; the other rule stays.
    const revoked = WS_POLICY.replace("          - allow: { method: GET, path: /ws }\n", "")
      .replace(/ {6}- \{ host: plain-ws[^\n]*\n/, "");
    assert.ok(proxy.holder.update(revoked).ok);
    assert.deepEqual(await Promise.all([endedByProxy(secure), endedByProxy(plain)]), [
      "closed",
      "closed",
    ]);
  });
});
