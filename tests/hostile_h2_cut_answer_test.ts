/**
 * An answer the proxy stops part-way reaches the sandbox's HTTP/2 client as a reset, never as a
 * whole answer: a reload that revokes the rule of a stream still answering (an event stream, a
 * long download) resets it with RST_STREAM alone. Before, Deno 2.9's `close(NGHTTP2_CANCEL)`
 * sent END_STREAM first, so a download cut by the reload looked complete to the client (a
 * truncated package or file, taken for whole when no length was given).
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo } from "node:net";
import {
  H2,
  h2Frame,
  h2Headers,
  h2RequestFields,
  openH2Session,
  readH2Frames,
  revocablePolicy,
  startTestProxy,
  startTestUpstreams,
  waitFor,
} from "./support/mod.ts";

const HOST = "feed.example.com";
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };

const policy = (revision: number, feed: boolean) =>
  revocablePolicy(revision, feed ? { name: "feed", endpoints: FEED } : undefined);
const FEED =
  `      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: /events } }] }`;

/** An origin (HTTP/2, or HTTPS speaking HTTP/1.1) answering three events, then quiet. */
async function quietOrigin(upstreams: Awaited<ReturnType<typeof startTestUpstreams>>, h1: boolean) {
  const leaf = await upstreams.mintLeaf([HOST]);
  const events = { sent: 0 };
  const tls = { cert: leaf.chainPem, key: leaf.keyPem };
  type Answer = {
    writable: boolean;
    write(text: string): unknown;
    on(e: string, f: () => void): unknown;
  };
  const answer = (stream: Answer) => {
    const timer = setInterval(() => {
      if (stream.writable && events.sent++ < 3) stream.write("data:x\n\n");
    }, 20);
    stream.on("close", () => clearInterval(timer));
  };
  const server = h1
    ? https.createServer(tls, (_, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      answer(response);
    })
    : http2.createSecureServer(tls).on("stream", (stream) => {
      stream.on("error", () => {});
      stream.respond({ ":status": 200, "content-type": "text/event-stream" });
      answer(stream);
    });
  const sockets = new Set<{ destroy(): void }>();
  server.on("secureConnection", (socket) => (sockets.add(socket), socket.on("error", () => {})));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { port: (server.address() as AddressInfo).port, events, close };
}

for (const h1 of [false, true]) {
  const kind = h1 ? "an HTTP/1.1 origin" : "an HTTP/2 origin";
  Deno.test(`hostile h2 cut answer: a reload that revokes the rule resets the client's stream, never ends it (${kind})`, async () => {
    const upstreams = await startTestUpstreams();
    const origin = await quietOrigin(upstreams, h1);
    const resolve = [{ host: HOST, port: 443, address: "127.0.0.1", targetPort: origin.port }];
    const proxy = await startTestProxy({ policy: policy(1, true), upstreams, identity, resolve });
    const tls = await openH2Session(proxy, HOST);
    try {
      await tls.write(h2Frame(H2.SETTINGS, 1, 0)); // ack the proxy's
      const fields = h2RequestFields("GET", "/events", HOST);
      await tls.write(h2Headers(1, fields));
      const closing = (f: { type: number; flags: number; stream: number }) =>
        f.stream === 1 && (f.type === H2.RST_STREAM || (f.flags & H2.END_STREAM) !== 0);
      const frames = readH2Frames(tls, closing, 15_000);
      await waitFor(() => origin.events.sent > 3, "the origin's three events");
      await new Promise((r) => setTimeout(r, 200)); // relayed: nothing in flight
      assert.ok((await proxy.holder.reload(policy(2, false))).ok); // the rule is revoked
      const last = (await frames).filter((f) => f.stream === 1).at(-1);
      assert.ok(last !== undefined && closing(last), "the stream was neither ended nor reset");
      assert.equal(last.type, H2.RST_STREAM, `the answer ended (END_STREAM) instead of a reset`);
    } finally {
      tls.close();
      await proxy.close();
      await origin.close();
      await upstreams.close();
    }
  });
}
