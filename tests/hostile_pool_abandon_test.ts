/**
 * A client that starts a response and leaves (resets its connection or its HTTP/2 stream) while
 * the upstream sends nothing more: the upstream connection of that exchange closes at once, in
 * plain forwarding, inside interception and on an HTTP/2 stream. Before, it stayed open until
 * the next upstream byte or the response idle limit (300 s) once the client's slot of the
 * connection cap was given back, so opening, resetting and repeating ran the proxy out of
 * descriptors. A client that sends its request then FIN (half-close) still gets the answer.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import {
  H2,
  H2_PREFACE,
  h2Headers,
  h2RequestFields,
  h2Reset,
  openH2Session,
  readH2Frames,
} from "./support/mod.ts";
import { waitFor } from "./support/mod.ts";
import { OWN, ownGet, withOwnUpstream } from "./pool_fixtures.ts";
import type { Reply, ScriptedRequest } from "./scripted_upstream.ts";

/** Starts an answer and never finishes it, sends nothing, or answers after a pause. */
function stalling({ target }: ScriptedRequest): Reply {
  if (target === "/silent") return {};
  const late = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  if (target === "/late") return { later: late, laterMs: 200 };
  return { send: "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nstart" };
}

const H2_GET = h2RequestFields("GET", "/slow", OWN);

for (const path of ["/slow", "/silent"]) {
  Deno.test(`hostile pool abandon: a plain client that resets during ${path} closes its upstream`, () =>
    withOwnUpstream(stalling, async ({ proxy, plain }) => {
      const socket = await connectNode(proxy.port);
      socket.write(ownGet(path));
      if (path === "/slow") await firstData(socket);
      else await waitFor(() => plain.requests.length === 1, "the request upstream");
      await resetNode(socket);
      await waitFor(() => plain.isClosed(0), "the upstream connection closed");
    }));
}

Deno.test("hostile pool abandon: a reset HTTP/2 stream closes its HTTP/1.1 upstream", () =>
  withOwnUpstream(stalling, async ({ proxy, secure }) => {
    const conn = await openH2Session(proxy, OWN);
    try {
      await conn.write(h2Headers(1, H2_GET));
      const heads = await readH2Frames(conn, (f) => f.type === H2.HEADERS && f.stream === 1);
      assert.ok(heads.some((f) => f.type === H2.HEADERS && f.stream === 1));
      await conn.write(h2Reset(1));
      await waitFor(() => secure.isClosed(0), "the upstream connection closed");
    } finally {
      conn.close();
    }
  }));

Deno.test("hostile pool abandon: an HTTP/2 client that resets its connection closes its upstreams", () =>
  withOwnUpstream(stalling, async ({ proxy, secure }) => {
    const raw = await connectNode(proxy.port);
    raw.write(`CONNECT ${OWN}:443 HTTP/1.1\r\nHost: ${OWN}:443\r\n\r\n`);
    assert.match(await firstData(raw), /^HTTP\/1\.1 200 /);
    const ca = await Deno.readTextFile(proxy.caPath);
    const inner = tls.connect({ socket: raw, servername: OWN, ca, ALPNProtocols: ["h2"] });
    inner.on("error", () => {});
    await new Promise((resolve) => inner.once("secureConnect", resolve));
    inner.write(H2_PREFACE);
    inner.write(h2Headers(1, H2_GET));
    inner.write(h2Headers(3, H2_GET));
    await waitFor(() => secure.requests.length === 2, "both streams upstream");
    await resetNode(raw);
    await waitFor(
      () => secure.isClosed(0) && secure.isClosed(1),
      "the upstream connections closed",
    );
  }));

Deno.test("hostile pool abandon: a client that sends its request, then FIN, still gets the answer", () =>
  withOwnUpstream(stalling, async ({ proxy }) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    await conn.write(new TextEncoder().encode(ownGet("/late")));
    await conn.closeWrite();
    const text = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
  }));

async function connectNode(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  return socket;
}

/** The first bytes that arrive, as latin1 text. */
function firstData(socket: net.Socket | tls.TLSSocket): Promise<string> {
  return new Promise((resolve) =>
    socket.once("data", (chunk) => resolve(chunk.toString("latin1")))
  );
}

/** Close `socket` with a TCP reset, as a killed client's kernel may. */
async function resetNode(socket: net.Socket): Promise<void> {
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.resetAndDestroy();
  await closed;
}
