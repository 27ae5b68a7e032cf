/**
 * An answer that streams from the origin (an event stream, a long download, a long poll) is a
 * channel from the origin as long-lived as a WebSocket: a reload that no longer allows its
 * request ends it, as it ends a request body still streaming. Before, only what the client sent
 * was watched, so an event stream opened under a lease or a rule kept feeding the sandbox after
 * the rule was revoked or the lease swept, for as long as the origin kept it open.
 */
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import {
  revocablePolicy,
  startTestProxy,
  startTestUpstreams,
  type TestUpstreams,
} from "./support/mod.ts";
import { openConnect } from "./support/tunnel_client.ts";

const HOST = "feed.example.com";
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };

const REST_FEED =
  `      - { host: ${HOST}, ports: [80, 443], protocol: rest, rules: [{ allow: { method: GET, path: /events } }] }`;
const GRAPHQL_FEED = `      - { host: ${HOST}, port: 80, path: /graphql, protocol: graphql,
          rules: [{ allow: { operation_type: query, fields: [viewer] } }] }`;

const MCP_FEED = `      - { host: ${HOST}, port: 80, path: /mcp, protocol: mcp,
          rules: [{ allow: { method: tools/call, tool: watch_build } }] }`;

const JSON_RPC_FEED = `      - { host: ${HOST}, port: 80, path: /rpc, protocol: json-rpc,
          rules: [{ allow: { method: builds.watch } }] }`;

const policy = (revision: number, feed: boolean, endpoints = REST_FEED) =>
  revocablePolicy(revision, feed ? { name: "feed", endpoints } : undefined);

/** Answer each request with a chunked event stream, one event every 20 ms, until closed. */
function streamEvents(socket: net.Socket, seen: { closed: boolean }): void {
  socket.on("error", () => {});
  let timer: ReturnType<typeof setInterval> | undefined;
  socket.once("data", () => {
    socket.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n");
    socket.write("Transfer-Encoding: chunked\r\n\r\n");
    timer = setInterval(() => socket.write("7\r\ndata:x\n\r\n"), 20);
  });
  socket.on("close", () => {
    clearInterval(timer);
    seen.closed = true;
  });
}

/** A plain origin for the forward path, or a TLS one for `HOST` (signed by the upstreams' CA). */
async function eventOrigin(upstreams: TestUpstreams, secure: boolean) {
  const seen = { closed: false };
  let server: net.Server;
  if (secure) {
    const leaf = await upstreams.mintLeaf([HOST]);
    server = tls.createServer(
      { cert: leaf.chainPem, key: leaf.keyPem },
      (s) => streamEvents(s, seen),
    );
  } else {
    server = net.createServer((socket) => streamEvents(socket, seen));
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => new Promise((resolve) => server.close(resolve));
  return { port: (server.address() as AddressInfo).port, seen, close };
}

/** Read what arrives into `got`, until the connection ends (then `got.ended`). */
function drain(conn: Deno.Conn | Deno.TlsConn) {
  const got = { bytes: 0, ended: false };
  const done = (async () => {
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) got.bytes += n;
    } catch {
      // Reset by the proxy: ended all the same.
    }
    got.ended = true;
  })();
  return { got, done };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

async function watchFeed(
  proxy: Awaited<ReturnType<typeof startTestProxy>>,
  conn: Deno.Conn | Deno.TlsConn,
  request: string,
  origin: { seen: { closed: boolean } },
  endpoint = REST_FEED,
): Promise<void> {
  const { got, done } = drain(conn);
  try {
    await conn.write(new TextEncoder().encode(request));
    await until(() => got.bytes > 200);
    assert.ok(got.bytes > 200, "the allowed event stream did not arrive");
    const allowed = proxy.events.filter((e) => e.action_id === 1).length;
    assert.ok((await proxy.holder.reload(policy(2, true, endpoint))).ok); // unrelated: it goes on
    const before = got.bytes;
    await until(() => got.bytes > before + 100);
    assert.ok(!got.ended && got.bytes > before + 100, "an unrelated reload stopped the stream");
    // The re-decision that let it go on is no new request in the audit log.
    const count = (action: number) => proxy.events.filter((e) => e.action_id === action).length;
    assert.equal(count(1), allowed, "the reload's re-decision went on record as a new request");
    assert.ok((await proxy.holder.reload(policy(3, false))).ok); // the feed rule is revoked
    await until(() => got.ended && origin.seen.closed);
    assert.ok(got.ended, `the client still receives the stream: ${got.bytes} bytes`);
    assert.ok(origin.seen.closed, "the origin's side was left open");
    // The re-decision that ended it is: a denial.
    assert.deepEqual([count(1), count(2)], [allowed, 1]);
  } finally {
    conn.close();
    await done;
  }
}

Deno.test("hostile: a reload that revokes a request's rule ends its answer still streaming", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await eventOrigin(upstreams, false);
  const proxy = await startTestProxy({
    policy: policy(1, true),
    upstreams,
    identity,
    resolve: [{ host: HOST, port: 80, address: "127.0.0.1", targetPort: origin.port }],
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const request = `GET http://${HOST}/events HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
    await watchFeed(proxy, conn, request, origin);
  } finally {
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
});

Deno.test("hostile: inside interception too, a reload that revokes the rule ends a streaming answer", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await eventOrigin(upstreams, true);
  const proxy = await startTestProxy({
    policy: policy(1, true),
    upstreams,
    identity,
    resolve: [{ host: HOST, port: 443, address: "127.0.0.1", targetPort: origin.port }],
  });
  try {
    const { conn: raw, head: connected } = await openConnect(proxy.port, HOST);
    assert.match(connected, /^HTTP\/1\.1 200 /);
    const caCerts = [await Deno.readTextFile(proxy.caPath)];
    const conn = await Deno.startTls(raw, { hostname: HOST, caCerts });
    await watchFeed(proxy, conn, `GET /events HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, origin);
  } finally {
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
});

Deno.test("a GraphQL answer streaming at a reload is judged again on the body read at admission", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await eventOrigin(upstreams, false);
  const proxy = await startTestProxy({
    policy: policy(1, true, GRAPHQL_FEED),
    upstreams,
    identity,
    resolve: [{ host: HOST, port: 80, address: "127.0.0.1", targetPort: origin.port }],
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const body = JSON.stringify({ query: "{ viewer }" });
    const request = `POST http://${HOST}/graphql HTTP/1.1\r\nHost: ${HOST}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    // An unrelated reload keeps it (its query is still allowed); the revoking one ends it.
    await watchFeed(proxy, conn, request, origin, GRAPHQL_FEED);
  } finally {
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
});

Deno.test("an MCP answer streaming at a reload (streamable HTTP) is judged again on the body read at admission", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await eventOrigin(upstreams, false);
  const proxy = await startTestProxy({
    policy: policy(1, true, MCP_FEED),
    upstreams,
    identity,
    resolve: [{ host: HOST, port: 80, address: "127.0.0.1", targetPort: origin.port }],
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "watch_build", arguments: {} },
    });
    const request = `POST http://${HOST}/mcp HTTP/1.1\r\nHost: ${HOST}\r\n` +
      `Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body}`;
    // An unrelated reload keeps it (its tool is still allowed); the revoking one ends it.
    await watchFeed(proxy, conn, request, origin, MCP_FEED);
  } finally {
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
});

Deno.test("a JSON-RPC answer streaming at a reload is judged again on the body read at admission", async () => {
  const upstreams = await startTestUpstreams();
  const origin = await eventOrigin(upstreams, false);
  const proxy = await startTestProxy({
    policy: policy(1, true, JSON_RPC_FEED),
    upstreams,
    identity,
    resolve: [{ host: HOST, port: 80, address: "127.0.0.1", targetPort: origin.port }],
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "builds.watch" });
    const request = `POST http://${HOST}/rpc HTTP/1.1\r\nHost: ${HOST}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    // An unrelated reload keeps it (its method is still allowed); the revoking one ends it.
    await watchFeed(proxy, conn, request, origin, JSON_RPC_FEED);
  } finally {
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
});
