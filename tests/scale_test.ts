/**
 * Issue #15 (performance at scale), the correctness side: backpressure both ways on every
 * path (a peer that stops reading holds the other side back instead of growing the proxy) and
 * upstream connections reused under concurrency. Nothing here asserts speed.
 */
import assert from "node:assert/strict";
import { type BulkUpstream, startBulkUpstream } from "./support/bulk_upstream.ts";
import {
  H2,
  h2Frame,
  h2Headers,
  h2RequestFields,
  openH2Session,
  readH2Frames,
  startTestProxy,
  type TestProxy,
  type TestUpstreams,
  withTestProxy,
  writeAll,
} from "./support/mod.ts";

const HOSTS = ["api.github.com", "l4.example.com"];
const POLICY = `version: 1
network_policies:
  open:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: full }
      - { host: l4.example.com, port: 443 }
      - { host: plain.example.com, port: 80 }
    binaries: [{ path: /usr/bin/curl }]
`;
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
// What may pile up between a peer that stopped reading and the other side: kernel buffers on
// both hops plus the proxy's own queues. Without backpressure it is the whole transfer.
const BOUND = 32 * 1024 * 1024;
const HUGE = 1_000_000_000;
const encoder = new TextEncoder();

type Path = "forward" | "l4" | "l7";

async function withBulk(run: (proxy: TestProxy, bulk: BulkUpstream) => Promise<void>) {
  const bulk = await startBulkUpstream(HOSTS);
  const upstreams = bulk as unknown as TestUpstreams;
  const proxy = await startTestProxy({ policy: POLICY, upstreams, identity, httpsHosts: HOSTS });
  try {
    await run(proxy, bulk);
  } finally {
    await proxy.close();
    await bulk.close();
  }
}

/** A connection through the proxy on `path`, ready for origin-form (or absolute) requests. */
async function open(proxy: TestProxy, bulk: BulkUpstream, path: Path): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  if (path === "forward") return conn;
  const host = path === "l7" ? "api.github.com" : "l4.example.com";
  await conn.write(encoder.encode(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`));
  await readHead(conn);
  const ca = path === "l7" ? await Deno.readTextFile(proxy.caPath) : bulk.caPem;
  return await Deno.startTls(conn as Deno.TcpConn, { hostname: host, caCerts: [ca] });
}

function request(path: Path, method: string, target: string, extra = ""): Uint8Array {
  const host = path === "l7" ? "api.github.com" : path === "l4" ? "l4.example.com" : "x";
  const line = path === "forward" ? `http://plain.example.com${target}` : target;
  return encoder.encode(`${method} ${line} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`);
}

async function readHead(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(16 * 1024);
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += new TextDecoder("latin1").decode(buffer.subarray(0, n));
  }
  return text;
}

/** Ask for a huge body, read only its head, and report what the upstream managed to send. */
async function stalledDownload(proxy: TestProxy, bulk: BulkUpstream, path: Path) {
  const conn = await open(proxy, bulk, path);
  try {
    await conn.write(request(path, "GET", `/bulk/${HUGE}`));
    assert.match(await readHead(conn), /^HTTP\/1\.1 200/);
    const sent = await settled(() => bulk.sent());
    assert.ok(sent < BOUND, `${path}: upstream sent ${sent} bytes to a client reading nothing`);
  } finally {
    conn.close();
  }
}

/** Upload a huge body to an upstream that stops reading; report what the client could write. */
async function stalledUpload(proxy: TestProxy, bulk: BulkUpstream, path: Path) {
  const conn = await open(proxy, bulk, path);
  let wrote = 0;
  const piece = new Uint8Array(64 * 1024);
  const pump = (async () => {
    await conn.write(request(path, "POST", "/stall", `Content-Length: ${HUGE}\r\n`));
    while (wrote < HUGE) wrote += await conn.write(piece);
  })().catch(() => {});
  try {
    const total = await settled(() => wrote);
    assert.ok(total < BOUND, `${path}: the client wrote ${total} bytes nobody read`);
  } finally {
    conn.close();
    await pump;
  }
}

/** The value once it stops growing for 300 ms (at most 3 s). */
async function settled(value: () => number): Promise<number> {
  let last = -1;
  for (let waited = 0; waited < 3000 && value() !== last; waited += 300) {
    last = value();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return value();
}

for (const path of ["l7", "l4", "forward"] as const) {
  Deno.test(`scale #15.2: a ${path} download to a client that stops reading holds the upstream back`, async () => {
    await withBulk((proxy, bulk) => stalledDownload(proxy, bulk, path));
  });
  Deno.test(`scale #15.2: a ${path} upload to an upstream that stops reading holds the client back`, async () => {
    await withBulk((proxy, bulk) => stalledUpload(proxy, bulk, path));
  });
}

Deno.test("scale #15.2: an HTTP/2 client that never opens its flow-control window holds the upstream back", async () => {
  await withBulk(async (proxy, bulk) => {
    const conn = await openH2Session(proxy);
    try {
      // SETTINGS_INITIAL_WINDOW_SIZE 0: the proxy may send this stream no DATA at all.
      await conn.write(h2Frame(H2.SETTINGS, 0, 0, new Uint8Array([0, 4, 0, 0, 0, 0])));
      const get = h2RequestFields("GET", `/bulk/${HUGE}`);
      await conn.write(h2Headers(1, get));
      const head = await readH2Frames(conn, (f) => f.type === H2.HEADERS && f.stream === 1);
      assert.ok(head.some((f) => f.type === H2.HEADERS && f.stream === 1));
      const sent = await settled(() => bulk.sent());
      assert.ok(sent < BOUND, `upstream sent ${sent} bytes to a stream with no window`);
    } finally {
      conn.close();
    }
  });
});

Deno.test("scale #15.2: a large L7 upload and its echo cross the interception byte for byte", async () => {
  // The relay frees each body piece once the next socket took it: a piece freed too early
  // would arrive as other bytes, or none.
  const body = Uint8Array.from(
    { length: 3 * 1024 * 1024 },
    (_, i) => 33 + (i * 7 + (i >> 16)) % 94,
  );
  await withTestProxy({ policy: POLICY, identity }, async (proxy) => {
    const conn = await open(proxy, { caPem: "" } as BulkUpstream, "l7");
    try {
      const head = `Content-Length: ${body.length}\r\n`;
      await writeAll(conn, request("l7", "POST", "/upload", head));
      const reading = readResponse(conn);
      await writeAll(conn, body);
      const response = await reading;
      assert.match(response.head, /^HTTP\/1\.1 200/);
      const echoed: string = JSON.parse(response.body).body;
      assert.equal(echoed.length, body.length);
      assert.ok(echoed === latin1(body), "the echoed body differs from the one sent");
    } finally {
      conn.close();
    }
  });
});

/** One Content-Length response, read whole. */
async function readResponse(conn: Deno.Conn): Promise<{ head: string; body: string }> {
  let text = "";
  for (let length = Infinity; text.length < length;) {
    const piece = new Uint8Array(64 * 1024);
    const n = await conn.read(piece);
    if (n === null) break;
    text += latin1(piece.subarray(0, n));
    const end = text.indexOf("\r\n\r\n");
    const declared = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
    if (end !== -1 && declared) length = end + 4 + Number(declared[1]);
  }
  const end = text.indexOf("\r\n\r\n");
  return { head: text.slice(0, end), body: text.slice(end + 4) };
}

function latin1(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}

/** `clients` kept-alive connections on `path`, each sending `rounds` requests in lock-step. */
async function lockStep(proxy: TestProxy, bulk: BulkUpstream, path: Path, clients: number) {
  const conns = await Promise.all(Array.from({ length: clients }, () => open(proxy, bulk, path)));
  try {
    for (let round = 0; round < 4; round++) {
      await Promise.all(conns.map(async (conn) => {
        await conn.write(request(path, "GET", "/bulk/16"));
        const head = await readHead(conn);
        assert.match(head, /^HTTP\/1\.1 200/);
        // The 16-byte body came with the head or comes next.
        if (!head.endsWith("x".repeat(16))) await conn.read(new Uint8Array(64));
      }));
    }
  } finally {
    for (const conn of conns) conn.close();
  }
}

for (const path of ["l7", "forward"] as const) {
  Deno.test(`scale #15.1: 64 kept-alive ${path} clients reuse their upstream connections`, async () => {
    await withBulk(async (proxy, bulk) => {
      await lockStep(proxy, bulk, path, 64);
      // One upstream connection per concurrent client at most, kept across rounds: with 16
      // idle per destination, each round after the first opened 48 new ones (208 in all).
      assert.ok(bulk.connections() <= 64, `${bulk.connections()} upstream connections`);
    });
  });
}
