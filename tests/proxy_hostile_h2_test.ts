/**
 * A hostile agent speaking raw HTTP/2 inside an intercepted tunnel, frame by frame: what
 * no well-behaved client sends must neither reach the origin as a request the policy never
 * saw nor hold the proxy for other clients.
 */
import assert from "node:assert/strict";
import {
  H2,
  h2Frame,
  h2Headers,
  h2RequestFields,
  h2Reset,
  openH2Session,
  rawRequest,
  readH2Frames,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  waitFor,
  withTestProxy,
} from "./support/mod.ts";
import { GET_PUBLIC_POLICY } from "./proxy_hostile_fixtures.ts";

const PLAIN_GET = "GET http://plain.example.com/public/x HTTP/1.1\r\n" +
  "Host: plain.example.com\r\nConnection: close\r\n\r\n";

/** The text of the DATA frames on `stream`. */
function bodyOf(frames: { type: number; stream: number; payload: Uint8Array }[], stream: number) {
  const data = frames.filter((f) => f.type === H2.DATA && f.stream === stream);
  return data.map((f) => new TextDecoder().decode(f.payload)).join("");
}

const streamEnded = (stream: number) => (f: { type: number; flags: number; stream: number }) =>
  f.stream === stream && (f.type === H2.DATA || f.type === H2.HEADERS) &&
  (f.flags & H2.END_STREAM) !== 0;

Deno.test("proxy hostile h2: a GET stream carrying DATA is refused (400) and never reaches an HTTP/1.1 origin", async () => {
  await withTestProxy({ policy: GET_PUBLIC_POLICY }, async (proxy, upstreams) => {
    const tls = await openH2Session(proxy);
    // Over HTTP/1.1 this body would follow a GET the origin may read without one: the
    // DELETE would then be a request of its own that the policy never decided.
    const hidden = "DELETE /private/x HTTP/1.1\r\nHost: api.github.com\r\n\r\n";
    await tls.write(h2Headers(1, h2RequestFields("GET", "/public/a"), { open: true }));
    await tls.write(h2Frame(H2.DATA, H2.END_STREAM, 1, new TextEncoder().encode(hidden)));
    const frames = await readH2Frames(tls, streamEnded(1));
    closeQuietly(tls);
    assert.match(bodyOf(frames, 1), /"error":"bad_request".*must not carry a body/);
    assert.deepEqual(upstreams.requests, []);
  });
});

Deno.test("proxy hostile h2: a GET stream that ends with an empty DATA frame is still served", async () => {
  await withTestProxy({ policy: GET_PUBLIC_POLICY }, async (proxy, upstreams) => {
    const tls = await openH2Session(proxy);
    await tls.write(h2Headers(1, h2RequestFields("GET", "/public/a"), { open: true }));
    await tls.write(h2Frame(H2.DATA, H2.END_STREAM, 1));
    const frames = await readH2Frames(tls, streamEnded(1));
    closeQuietly(tls);
    assert.match(bodyOf(frames, 1), /"ok":true/);
    assert.equal(upstreams.requests.length, 1);
  });
});

/**
 * A plain GET through the proxy, retried while refused (503: no connection slot) until `ms` has
 * passed: its status, 0 when none. Each try waits for its answer as long as is left (a 1 s cut
 * failed answers on their way at load 20-30): `ms` only tells "at once" from the 60 s idle
 * limit, or bounds a failure.
 */
async function servedWithin(proxy: TestProxy, ms = SOON_MS): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const timeoutMs = Math.max(1_000, deadline - Date.now());
    const { status } = await rawRequest(proxy.port, PLAIN_GET, { timeoutMs });
    if (status === 200 || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Well under the 60 s idle limit, the other way a session's connection slot would come free.
const SOON_MS = 15_000;

Deno.test("proxy hostile h2: a session dropped without GOAWAY frees its connection at once", async () => {
  // One connection slot: while the dropped session holds it, everyone else gets 503.
  await withTestProxy({ policy: GET_PUBLIC_POLICY, maxConnections: 1 }, async (proxy) => {
    const tls = await openH2Session(proxy);
    await tls.write(h2Headers(1, h2RequestFields("GET", "/public/a")));
    await readH2Frames(tls, streamEnded(1));
    // A client process that exits: FIN, no GOAWAY (the session's idle limit is 60 s).
    closeQuietly(tls);
    assert.equal(await servedWithin(proxy), 200);
  });
});

Deno.test("proxy hostile h2: streams reset as fast as they open (rapid reset) end the session and reach no origin", async () => {
  await withTestProxy({ policy: GET_PUBLIC_POLICY }, async (proxy, upstreams) => {
    const tls = await openH2Session(proxy);
    const frames: Uint8Array[] = [];
    for (let id = 1; id < 800; id += 2) {
      frames.push(h2Headers(id, h2RequestFields("GET", "/public/a")), h2Reset(id));
    }
    await tls.write(concat(frames)).catch(() => {});
    const goaway = (await readH2Frames(tls, (f) => f.type === H2.GOAWAY)).at(-1);
    closeQuietly(tls);
    assert.equal(goaway?.type, H2.GOAWAY);
    const code = new DataView(goaway.payload.buffer).getUint32(4);
    assert.equal(
      code,
      11,
      `ENHANCE_YOUR_CALM: ${code} ${new TextDecoder().decode(goaway.payload.slice(8))}`,
    );
    // Each reset stream was decided, but none is worth an upstream request.
    assert.ok(upstreams.requests.length < 40, `${upstreams.requests.length} reached the origin`);
    assert.equal(await servedWithin(proxy), 200);
  });
});

/** Close a connection that a read timeout may have closed already. */
function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed by readH2Frames' timeout.
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.byteLength), 0);
  return out;
}

Deno.test("proxy hostile h2: one session's streams share at most 6 HTTP/1.1 upstream connections", async () => {
  // The origin holds every /public/slow request: each would hold an upstream connection (a
  // descriptor) for as long, and 100 streams a session on a dozen sessions were all of them.
  const held = Promise.withResolvers<void>();
  const upstreams = await startTestUpstreams({
    beforeResponse: (r) => r.target.startsWith("/public/slow") ? held.promise : undefined,
  });
  const proxy = await startTestProxy({ policy: GET_PUBLIC_POLICY, upstreams });
  try {
    const tls = await openH2Session(proxy);
    const frames: Uint8Array[] = [];
    for (let id = 1; id < 60; id += 2) {
      frames.push(h2Headers(id, h2RequestFields("GET", "/public/slow")));
    }
    await tls.write(concat(frames));
    await waitFor(() => upstreams.requests.length >= 6, "six requests upstream");
    // The other 24 streams wait for a lane: none of them can open a connection any more.
    await waitFor(() => proxy.proxy.upstreamLanes.waiting === 24, "24 streams waiting for a lane");
    assert.equal(upstreams.connections(), 6);
    assert.equal(await servedWithin(proxy), 200);
    held.resolve();
    // The other streams waited for a connection; all 30 are answered.
    const ends = new Set<number>();
    await readH2Frames(tls, (f) => streamEnded(f.stream)(f) && ends.add(f.stream).size === 30);
    closeQuietly(tls);
    assert.equal(ends.size, 30);
  } finally {
    held.resolve();
    await proxy.close();
    await upstreams.close();
  }
});

Deno.test("proxy hostile h2: a session that stays silent is closed at the idle limit", async () => {
  await withTestProxy(
    { policy: GET_PUBLIC_POLICY, idleTimeoutMs: 300, maxConnections: 1 },
    async (proxy) => {
      const tls = await openH2Session(proxy);
      // The proxy's GOAWAY, then its close: readH2Frames returns when the connection ends. Only
      // the idle limit closes a silent session; without it the read gives up with no GOAWAY.
      const frames = await readH2Frames(tls, () => false, 5_000);
      closeQuietly(tls);
      assert.ok(frames.some((f) => f.type === H2.GOAWAY));
      assert.equal(await servedWithin(proxy), 200);
    },
  );
});
