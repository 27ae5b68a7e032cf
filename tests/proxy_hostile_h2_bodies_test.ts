/**
 * A hostile agent's HTTP/2 session against the proxy's memory: request bodies read whole (for
 * an HTTP/1.1 origin or a GraphQL endpoint) are held at most six at a time per session, and
 * header blocks and control frames that never end or never stop are cut short by the session,
 * without holding the proxy for other clients.
 */
import assert from "node:assert/strict";
import {
  H2,
  h2Frame,
  h2Headers,
  h2RequestFields,
  openH2Session,
  rawRequest,
  readH2Frames,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  withTestProxy,
} from "./support/mod.ts";
import { H2Uploads } from "./h2_uploads.ts";
import { H2_STREAM_WINDOW } from "../proxy/transport/connection/h2_windows.ts";

const POLICY = `version: 1
network_policies:
  gh:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: "*", path: "/public/**" } }]
      - host: plain.example.com
        port: 80
        protocol: rest
        rules: [{ allow: { method: GET, path: "/public/**" } }]
`;
const PLAIN_GET = "GET http://plain.example.com/public/x HTTP/1.1\r\n" +
  "Host: plain.example.com\r\nConnection: close\r\n\r\n";
const CONTINUATION = 9;
const PING = 6;

function post(id: number): Uint8Array {
  const fields = h2RequestFields("POST", `/public/held/${id}`);
  return h2Headers(id, fields, { open: true });
}

Deno.test("proxy hostile h2: one session's request bodies are read whole at most six at a time", async () => {
  // The origin holds every answer: each body read and sent stays in the proxy meanwhile.
  const held = Promise.withResolvers<void>();
  const upstreams = await startTestUpstreams({ beforeResponse: () => held.promise });
  const proxy = await startTestProxy({ policy: POLICY, upstreams });
  const streams = Array.from({ length: 15 }, (_, i) => 1 + 2 * i);
  // More than a stream's window: only a body the proxy reads can be sent whole.
  const size = 2 * H2_STREAM_WINDOW;
  try {
    const tls = await openH2Session(proxy);
    await tls.write(H2Uploads.wideOpen());
    for (const id of streams) await tls.write(post(id));
    const uploads = new H2Uploads(tls, streams, size);
    // Until nothing moves: what the proxy read is what its flow-control windows let through.
    await uploads.pump(500);
    // Before, all 15 bodies (up to 16 MiB each, 100 streams a session) were read at once.
    assert.equal(uploads.complete(), 6, JSON.stringify([...uploads.sent.values()]));
    assert.equal(upstreams.requests.length, 6);
    held.resolve();
    await uploads.pump(10_000, () => uploads.ended.size === streams.length);
    await uploads.close();
    assert.equal(uploads.complete(), streams.length);
    assert.equal(uploads.ended.size, streams.length, "every stream answered: no deadlock");
    assert.equal(upstreams.requests.length, streams.length);
    assert.ok(upstreams.requests.every((r) => r.body.length === size));
  } finally {
    held.resolve();
    await proxy.close();
    await upstreams.close();
  }
});

/** A plain GET through the proxy: its status (0 when unanswered). */
async function served(proxy: TestProxy): Promise<number> {
  return (await rawRequest(proxy.port, PLAIN_GET, { timeoutMs: 5_000 })).status;
}

/** An HPACK literal (RFC 7541 §6.2), with incremental indexing when `indexed`. */
function literal(name: string, value: string, indexed = false): number[] {
  const length = (n: number) => n < 127 ? [n] : [127, ...varint(n - 127)];
  const [k, v] = [new TextEncoder().encode(name), new TextEncoder().encode(value)];
  return [indexed ? 0x40 : 0, ...length(k.length), ...k, ...length(v.length), ...v];
}

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 128; n >>= 7) out.push((n & 127) | 128);
  return [...out, n];
}

const GET_FIELDS = [
  ...literal(":method", "GET"),
  ...literal(":scheme", "https"),
  ...literal(":authority", "api.github.com"),
  ...literal(":path", "/public/a"),
];

/** Write `frames` in batches until done or the proxy closes the connection. */
async function flood(conn: Deno.Conn, frames: Iterable<Uint8Array>): Promise<boolean> {
  const batch: Uint8Array[] = [];
  const send = () => conn.write(joined(batch.splice(0))).then(() => true, () => false);
  for (const frame of frames) {
    batch.push(frame);
    if (batch.length === 1_000 && !(await send())) return false;
  }
  return await send();
}

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  parts.reduce((at, part) => (out.set(part, at), at + part.byteLength), 0);
  return out;
}

Deno.test("proxy hostile h2: a header block that never ends (CONTINUATION flood) ends the session", async () => {
  await withTestProxy({ policy: POLICY }, async (proxy, upstreams) => {
    const tls = await openH2Session(proxy);
    function* frames() {
      yield h2Frame(H2.HEADERS, H2.END_STREAM, 1, new Uint8Array(GET_FIELDS));
      for (let i = 0; i < 100_000; i++) {
        const field = literal(`x-${i % 1_000}`, "b".repeat(100));
        yield h2Frame(CONTINUATION, 0, 1, new Uint8Array(field));
      }
    }
    const wroteAll = await flood(tls, frames());
    const goaway = (await readH2Frames(tls, (f) => f.type === H2.GOAWAY)).at(-1);
    tls.close();
    assert.ok(!wroteAll || goaway !== undefined, "10 MB of header block accepted");
    assert.deepEqual(upstreams.requests, []);
    assert.equal(await served(proxy), 200);
  });
});

Deno.test("proxy hostile h2: a header list that decodes to megabytes (HPACK bomb) is refused on its stream", async () => {
  await withTestProxy({ policy: POLICY }, async (proxy, upstreams) => {
    const tls = await openH2Session(proxy);
    // One 4 KB field in the dynamic table (index 62), then 280,000 one-byte references to it:
    // 1.1 GB of header list from 280 KB of frames.
    const big = new Uint8Array([...GET_FIELDS, ...literal("x-big", "d".repeat(4_000), true)]);
    const references = new Uint8Array(14_000).fill(0x80 | 62);
    const frames = [h2Frame(H2.HEADERS, H2.END_STREAM, 1, big)];
    for (let i = 1; i <= 20; i++) {
      frames.push(h2Frame(CONTINUATION, i === 20 ? H2.END_HEADERS : 0, 1, references));
    }
    await flood(tls, frames);
    const refused = (f: { type: number; stream: number }) =>
      f.type === H2.GOAWAY || (f.type === H2.RST_STREAM && f.stream === 1);
    const answer = await readH2Frames(tls, refused);
    tls.close();
    assert.ok(answer.some(refused), JSON.stringify(answer.map((f) => f.type)));
    assert.deepEqual(upstreams.requests, []);
    assert.equal(await served(proxy), 200);
  });
});

Deno.test("proxy hostile h2: a PING flood from a client that reads nothing ends its session", async () => {
  await withTestProxy({ policy: POLICY }, async (proxy) => {
    const tls = await openH2Session(proxy);
    // Each PING owes an ACK the client never reads: they would queue in the proxy.
    function* pings() {
      for (let i = 0; i < 1_000_000; i++) yield h2Frame(PING, 0, 0, new Uint8Array(8));
    }
    const wroteAll = await flood(tls, pings());
    try {
      tls.close();
    } catch {
      // Closed by the proxy.
    }
    assert.equal(wroteAll, false, "the proxy took a million PINGs without closing");
    assert.equal(await served(proxy), 200);
  });
});
