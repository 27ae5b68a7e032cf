/**
 * A request body that still streams from the client (a large `Content-Length`, trickled) is a
 * channel to the origin as long-lived as a WebSocket: a reload that no longer allows the
 * request ends it. Before, only the next request on the connection was decided again, so an
 * upload begun under a lease or rule kept carrying bytes to the origin after the rule was
 * revoked or the lease swept, for as long as the client kept it fed.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import {
  revocablePolicy,
  startTestProxy,
  startTestUpstreams,
  type TestUpstreams,
} from "./support/mod.ts";
import { openConnect } from "./support/tunnel_client.ts";

const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
const encoder = new TextEncoder();

const policy = (revision: number, upload: boolean) =>
  revocablePolicy(revision, upload ? { name: "upload", endpoints: UPLOAD } : undefined);
const UPLOAD =
  `      - { host: up.example.com, ports: [80, 443], protocol: rest, rules: [{ allow: { method: POST, path: /upload } }] }`;

/** An origin that counts the body bytes of the one request it gets, until it closes. */
function countingOrigin(listener: Deno.Listener) {
  const seen = { bytes: 0, closed: false };
  const done = (async () => {
    const conn = await listener.accept();
    const buffer = new Uint8Array(64 * 1024);
    let head = "";
    try {
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        const text = new TextDecoder().decode(buffer.subarray(0, n));
        if (!head.includes("\r\n\r\n")) {
          head += text;
          const end = head.indexOf("\r\n\r\n");
          if (end >= 0) seen.bytes += head.length - end - 4;
        } else seen.bytes += n;
      }
    } catch {
      // Reset by the proxy: closed all the same.
    }
    seen.closed = true;
    conn.close();
  })();
  return { seen, done };
}

async function sendOrClosed(conn: Deno.Conn | Deno.TlsConn, text: string): Promise<boolean> {
  try {
    await conn.write(encoder.encode(text));
    return true;
  } catch {
    return false;
  }
}

Deno.test("hostile: a reload that revokes a request's rule ends its body still streaming to the origin", async () => {
  using origin = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { seen, done } = countingOrigin(origin);
  const upstreams = await startTestUpstreams();
  const proxy = await startTestProxy({
    policy: policy(1, true),
    upstreams,
    identity,
    resolve: [{
      host: "up.example.com",
      port: 80,
      address: "127.0.0.1",
      targetPort: origin.addr.port,
    }],
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    const head = "POST http://up.example.com/upload HTTP/1.1\r\nHost: up.example.com\r\n" +
      "Content-Length: 1000000\r\n\r\n";
    assert.ok(await sendOrClosed(conn, `${head}first-part`));
    for (let i = 0; i < 200 && seen.bytes < 10; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.bytes, 10, "the allowed body did not reach the origin");
    // An unrelated reload leaves it streaming.
    assert.ok((await proxy.holder.reload(policy(2, true))).ok);
    assert.ok(await sendOrClosed(conn, "second-part"));
    for (let i = 0; i < 200 && seen.bytes < 21; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.bytes, 21, "an unrelated reload stopped the body");
    assert.ok(!seen.closed);
    assert.ok((await proxy.holder.reload(policy(3, false))).ok); // the upload rule is revoked
    for (let i = 0; i < 200 && !seen.closed; i++) {
      await sendOrClosed(conn, "more-bytes");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(seen.closed, `the origin still received the body: ${seen.bytes} bytes`);
  } finally {
    conn.close();
    await proxy.close();
    await upstreams.close();
    origin.close();
    await done;
  }
});

/** A TLS origin for `host` (signed by the test upstreams' CA), counting one request's body. */
async function countingTlsOrigin(upstreams: TestUpstreams, host: string) {
  const leaf = await upstreams.mintLeaf([host]);
  const seen = { bytes: 0, closed: false };
  let head = "";
  const server = tls.createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (socket) => {
    socket.on("error", () => {});
    socket.on("data", (chunk: Uint8Array) => {
      if (head.includes("\r\n\r\n")) return void (seen.bytes += chunk.byteLength);
      head += new TextDecoder("latin1").decode(chunk);
      const end = head.indexOf("\r\n\r\n");
      if (end >= 0) seen.bytes += head.length - end - 4;
    });
    socket.on("close", () => void (seen.closed = true));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => new Promise((resolve) => server.close(resolve));
  return { port: (server.address() as AddressInfo).port, seen, close };
}

Deno.test("hostile: inside interception too, a reload that revokes the rule ends a streaming body", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await countingTlsOrigin(upstreams, "up.example.com");
  const proxy = await startTestProxy({
    policy: policy(1, true),
    upstreams,
    identity,
    resolve: [{ host: "up.example.com", port: 443, address: "127.0.0.1", targetPort: origin.port }],
  });
  const { conn: raw, head: connected } = await openConnect(proxy.port, "up.example.com");
  assert.match(connected, /^HTTP\/1\.1 200 /);
  const conn = await Deno.startTls(raw, {
    hostname: "up.example.com",
    caCerts: [await Deno.readTextFile(proxy.caPath)],
  });
  const { seen } = origin;
  try {
    const head = "POST /upload HTTP/1.1\r\nHost: up.example.com\r\nContent-Length: 1000000\r\n\r\n";
    assert.ok(await sendOrClosed(conn, `${head}first-part`));
    for (let i = 0; i < 200 && seen.bytes < 10; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.bytes, 10, "the allowed body did not reach the origin");
    assert.ok((await proxy.holder.reload(policy(2, false))).ok); // the upload rule is revoked
    for (let i = 0; i < 200 && !seen.closed; i++) {
      await sendOrClosed(conn, "more-bytes");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(seen.closed, `the origin still received the body: ${seen.bytes} bytes`);
  } finally {
    conn.close();
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
});
