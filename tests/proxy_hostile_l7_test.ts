/**
 * Requests a hostile agent hides where HTTP/1.1 moves from one framing to another: behind a
 * WebSocket handshake the origin did not accept, in a chunked body's trailer section, and in a
 * body its reset cuts short inside an interception. None of them may reach the origin as a
 * request of its own, nor complete one that was not sent whole.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { rawRequest, tunnelRequest, waitFor } from "./support/mod.ts";
import { OWN, withOwnUpstream } from "./pool_fixtures.ts";
import type { ScriptedRequest } from "./scripted_upstream.ts";

const HANDSHAKE = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
// What would ride the connection if it were switched to a raw relay without a 101.
const SMUGGLED = `DELETE /admin HTTP/1.1\r\nHost: ${OWN}\r\nContent-Length: 0\r\n\r\n`;

/** The origin refuses the upgrade (426) or ignores it (200), and keeps the connection alive. */
function refusingUpgrade({ target }: ScriptedRequest) {
  const status = target.endsWith("/426") ? "426 Upgrade Required" : "200 OK";
  return { send: `HTTP/1.1 ${status}\r\nContent-Length: 2\r\n\r\nno` };
}

const request = (target: string, fields: string) =>
  `GET ${target} HTTP/1.1\r\nHost: ${OWN}\r\n${fields}\r\n`;

Deno.test("proxy hostile l7: a WebSocket handshake the origin answers without 101 closes the connection; what followed it never reaches the origin", () =>
  withOwnUpstream(refusingUpgrade, async ({ proxy, plain, secure }) => {
    for (const path of ["/ws/426", "/ws/200"]) {
      const forwarded = await rawRequest(proxy.port, [
        request(`http://${OWN}${path}`, HANDSHAKE) + SMUGGLED,
      ]);
      assert.match(forwarded.head, /^HTTP\/1\.1 (426|200) /, path);
      assert.match(forwarded.head, /\r\nConnection: close/i, path);
      const tunnelled = await tunnelRequest(
        proxy.port,
        OWN,
        proxy.caPath,
        request(path, HANDSHAKE) + SMUGGLED,
      );
      assert.match(tunnelled.head, /^HTTP\/1\.1 (426|200) /, path);
    }
    // Each handshake reached the origin (with its upgrade fields); the DELETE never did.
    for (const upstream of [plain, secure]) {
      assert.deepEqual(upstream.requests.map((r) => `${r.method} ${r.target}`), [
        "GET /ws/426",
        "GET /ws/200",
      ]);
      assert.ok(upstream.requests.every((r) => /\r\nupgrade: websocket/i.test(r.head)));
      await waitFor(() => upstream.isClosed(0) && upstream.isClosed(1), "the upstreams closed");
    }
  }));

Deno.test("proxy hostile l7: a chunked body's trailer section never reaches the origin", () =>
  withOwnUpstream(() => ({ send: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" }), async (
    { proxy, plain, secure },
  ) => {
    // Fields that would reframe or redirect the request, or change the method decided.
    const trailers =
      `Host: evil.example.com\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n` +
      `X-HTTP-Method-Override: DELETE\r\nTrailer: Host\r\n`;
    const post = (target: string) =>
      `POST ${target} HTTP/1.1\r\nHost: ${OWN}\r\nTransfer-Encoding: chunked\r\n` +
      `Trailer: Host, X-HTTP-Method-Override\r\n\r\n3\r\nabc\r\n0\r\n${trailers}\r\n`;
    const forwarded = await rawRequest(proxy.port, post(`http://${OWN}/upload`));
    const tunnelled = await tunnelRequest(proxy.port, OWN, proxy.caPath, post("/upload"));
    assert.equal(forwarded.status, 200);
    assert.equal(tunnelled.status, 200);
    for (const upstream of [plain, secure]) {
      assert.equal(upstream.requests.length, 1);
      const [sent] = upstream.requests;
      assert.equal(sent!.body, "abc");
      assert.equal(sent!.head, `POST /upload HTTP/1.1\r\nHost: ${OWN}\r\nContent-Length: 3`);
    }
  }));

Deno.test("proxy hostile l7: a body cut short by a client reset inside an interception never completes upstream", () =>
  withOwnUpstream(() => ({ send: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" }), async (
    { proxy, secure },
  ) => {
    const raw = net.connect(proxy.port, "127.0.0.1");
    raw.on("error", () => {});
    await new Promise((resolve) => raw.once("connect", resolve));
    raw.write(`CONNECT ${OWN}:443 HTTP/1.1\r\nHost: ${OWN}:443\r\n\r\n`);
    await new Promise((resolve) => raw.once("data", resolve));
    const ca = await Deno.readTextFile(proxy.caPath);
    const inner = tls.connect({ socket: raw, servername: OWN, ca, ALPNProtocols: ["http/1.1"] });
    inner.on("error", () => {});
    await new Promise((resolve) => inner.once("secureConnect", resolve));
    inner.write(
      `POST /upload HTTP/1.1\r\nHost: ${OWN}\r\nContent-Length: 100000\r\n\r\n0123456789`,
    );
    await waitFor(() => secure.connections() === 1, "the upstream connection");
    const closed = new Promise((resolve) => raw.once("close", resolve));
    raw.resetAndDestroy();
    await closed;
    // The proxy reads the reset as the end of the body: the request can never be completed.
    await waitFor(() => secure.isClosed(0), "the upstream connection to close");
    assert.equal(secure.requests.length, 0);
    // And the proxy goes on.
    const after = await rawRequest(
      proxy.port,
      `GET http://${OWN}/after HTTP/1.1\r\nHost: ${OWN}\r\n\r\n`,
    );
    assert.equal(after.status, 200);
  }));
