/**
 * The HTTP/2 side of hostile_streamed_response_reload_test.ts: a stream whose answer still
 * flows from the origin (an event stream, a gRPC server stream) is reset by a reload that no
 * longer allows its request. Before, a stream was watched only while its request body flowed.
 */
import assert from "node:assert/strict";
import {
  AS_CURL,
  h2TunnelClient,
  originAt,
  revocablePolicy,
  startH2Origin,
  type TestUpstreams,
  withOrigins,
} from "./support/mod.ts";

const HOST = "feed.example.com";

const policy = (revision: number, feed: boolean) =>
  revocablePolicy(revision, feed ? { name: "feed", endpoints: FEED } : undefined);
const FEED =
  `      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: /events } }] }`;

/** An HTTP/2 origin answering each stream with an event every 20 ms until it closes. */
async function eventH2Origin(upstreams: TestUpstreams) {
  const seen = { events: 0, closed: false };
  const origin = await startH2Origin(upstreams, [HOST], (stream) => {
    stream.respond({ ":status": 200, "content-type": "text/event-stream" });
    const timer = setInterval(() => {
      if (stream.writable) stream.write("data:x\n\n", () => void seen.events++);
    }, 20);
    stream.on("close", () => {
      clearInterval(timer);
      seen.closed = true;
    });
  });
  return { ...origin, seen };
}

// One GET read until its stream closes ("closed") or 5 s pass ("open").
const CLIENT = `
const session = await openH2Session();
const req = session.request({ ":method": "GET", ":path": "/events" });
req.on("error", () => {});
req.on("data", () => {});
setTimeout(() => { console.log("open"); process.exit(0); }, 5000);
req.on("close", () => { console.log("closed"); process.exit(0); });
`;

const SETUP = {
  policy: policy(1, true),
  prefix: "tollgate-h2-",
  identity: AS_CURL,
  ...originAt(HOST, 443, (_dir, upstreams) => eventH2Origin(upstreams)),
};

Deno.test("hostile h2: a reload that revokes a stream's rule ends its answer still streaming", () =>
  withOrigins(SETUP, async ({ proxy, origins: { origin } }) => {
    const { port: proxyPort, caPath } = proxy;
    const client = h2TunnelClient(CLIENT, { runtime: "node", proxyPort, host: HOST, caPath })
      .spawn();
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      const { seen } = origin;
      await until(() => seen.events >= 5);
      assert.ok(seen.events >= 5, "the allowed event stream did not start");
      assert.ok((await proxy.holder.reload(policy(2, true))).ok); // unrelated: it goes on
      const before = seen.events;
      await until(() => seen.events >= before + 5);
      assert.ok(
        !seen.closed && seen.events >= before + 5,
        "an unrelated reload stopped the stream",
      );
      assert.ok((await proxy.holder.reload(policy(3, false))).ok); // the feed rule is revoked
      await until(() => seen.closed);
      assert.ok(seen.closed, `the origin still streams: ${seen.events} events`);
    } finally {
      const { stdout } = await client.output();
      assert.equal(
        new TextDecoder().decode(stdout).trim(),
        "closed",
        "the client's stream stayed open",
      );
    }
  }));
