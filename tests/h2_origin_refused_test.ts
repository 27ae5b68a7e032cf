/**
 * Streams an HTTP/2 origin did not take (above its GOAWAY's last-stream-id, or reset with
 * REFUSED_STREAM) are sent again once on a fresh session, as RFC 9113 §8.7 allows: the
 * agent gets the origin's answer, not a 502, and the origin acts on each request exactly once.
 * A stream the origin may have acted on is never sent again.
 */
import assert from "node:assert/strict";
import {
  h2TunnelClient,
  startRetiringOrigin,
  startTestProxy,
  startTestUpstreams,
} from "./support/mod.ts";
import type { RetiringMode, RetiringOrigin, TestProxy, TestUpstreams } from "./support/mod.ts";

const HOST = "h2.example.com";
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/node", ancestors: [] }) };
const POLICY = `version: 1
network_policies:
  h2:
    endpoints:
      - host: ${HOST}
        port: 443
        protocol: rest
        rules: [{ allow: { method: GET, path: "/**" } }, { allow: { method: POST, path: "/**" } }]
    binaries: [{ path: /usr/bin/node }]
`;

interface World {
  proxy: TestProxy;
  origin: RetiringOrigin;
}

// Each session of the goaway origin takes 8 streams: of 12 sent at once, 4 are not taken, and
// sent again they fit the next session (a stream is sent again once, never twice).
const LIMIT = 8;

async function withOrigin(mode: RetiringMode, run: (world: World) => Promise<void>) {
  const upstreams: TestUpstreams = await startTestUpstreams();
  const origin = await startRetiringOrigin(upstreams, [HOST], mode, LIMIT);
  const resolve = [{ host: HOST, port: 443, address: "127.0.0.1", targetPort: origin.port }];
  const proxy = await startTestProxy({ policy: POLICY, upstreams, identity, resolve });
  try {
    await run({ proxy, origin });
  } finally {
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
}

// Node's http2 client: every request at once on one session, each answer as status and body.
const PARALLEL = `
const session = await openH2Session();
const requests = JSON.parse(REST[0]);
const answers = await Promise.all(requests.map((r) => new Promise((resolve) => {
  const stream = session.request({ ":method": r.method, ":path": r.path },
    { endStream: r.body === undefined });
  let body = "";
  let status = 0;
  stream.setEncoding("utf8");
  stream.on("response", (h) => (status = h[":status"]));
  stream.on("data", (c) => (body += c));
  stream.on("close", () => resolve([status, body]));
  stream.on("error", () => {});
  if (r.body !== undefined) stream.end(r.body);
})));
console.log(JSON.stringify(answers));
session.close();
`;

type Request = { method: string; path: string; body?: string };

async function nodeParallel(proxy: TestProxy, requests: Request[]): Promise<[number, string][]> {
  const options = { runtime: "node", proxyPort: proxy.port, host: HOST, caPath: proxy.caPath };
  const args = [JSON.stringify(requests)];
  const out = await h2TunnelClient(PARALLEL, { ...options, runtime: "node", args }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const gets = (n: number): Request[] =>
  Array.from({ length: n }, (_, i) => ({ method: "GET", path: `/g${i}` }));

Deno.test("h2 origin GOAWAY: the streams above its last-stream-id are sent again, each acted on once (Node client)", async () => {
  await withOrigin("goaway", async ({ proxy, origin }) => {
    const posts = Array.from({ length: 4 }, (_, i) => ({
      method: "POST",
      path: `/p${i}`,
      body: `body ${i}`,
    }));
    const requests = [...gets(8), ...posts];
    const answers = await nodeParallel(proxy, requests);
    const acted = (r: Request) => `acted ${r.method} ${r.path} ${r.body ?? ""}`;
    assert.deepEqual(answers, requests.map((r) => [200, acted(r)]));
    const counts = await origin.counts();
    const once = requests.map((r) => [`${r.method} ${r.path}`, 1]);
    assert.deepEqual(counts.acted, Object.fromEntries(once));
    assert.equal(counts.sessions, 2);
  });
});

// nghttp (nghttp2's own client) reads no proxy setting: it reaches the proxy through a forwarder
// that opens the CONNECT tunnel for each of its connections, as a netns sandbox's capture does.
async function withConnectForwarder(proxy: TestProxy, run: (port: number) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tunnels: Promise<unknown>[] = [];
  const accepting = (async () => {
    for await (const client of listener) tunnels.push(tunnelTo(proxy.port, client));
  })();
  try {
    await run(listener.addr.port);
  } finally {
    listener.close();
    await accepting;
    await Promise.allSettled(tunnels);
  }
}

async function tunnelTo(proxyPort: number, client: Deno.TcpConn): Promise<void> {
  const upstream = await Deno.connect({ hostname: "127.0.0.1", port: proxyPort });
  const connect = `CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`;
  await upstream.write(new TextEncoder().encode(connect));
  let head = "";
  const buffer = new Uint8Array(1024);
  while (!head.includes("\r\n\r\n")) {
    const n = await upstream.read(buffer);
    if (n === null) break;
    head += new TextDecoder().decode(buffer.subarray(0, n)); // the 200 carries no body
  }
  await Promise.allSettled([
    client.readable.pipeTo(upstream.writable),
    upstream.readable.pipeTo(client.writable),
  ]);
}

Deno.test({
  name:
    "h2 origin GOAWAY: nghttp's streams on one connection are each answered, each acted on once",
  ignore: !(await Deno.stat("/usr/bin/nghttp").then(() => true, () => false)),
  fn: () =>
    withOrigin("goaway", ({ proxy, origin }) =>
      withConnectForwarder(proxy, async (port) => {
        const paths = gets(12).map((r) => r.path);
        const urls = paths.map((path) => `https://127.0.0.1:${port}${path}`);
        const args = ["-n", "-s", "-H", `:authority: ${HOST}`, ...urls];
        const out = await new Deno.Command("/usr/bin/nghttp", { args, stdout: "piped" }).output();
        const stats = new TextDecoder().decode(out.stdout);
        // One line a stream: timings, then status and path.
        const statuses = [...stats.matchAll(/ (\d{3}) +\S+ +(\/g\d+)$/gm)].map((m) => m[1]);
        assert.deepEqual(statuses, paths.map(() => "200"), stats);
        const { acted, sessions } = await origin.counts();
        assert.deepEqual(acted, Object.fromEntries(paths.map((path) => [`GET ${path}`, 1])));
        assert.equal(sessions, 2);
      })),
});

Deno.test("h2 origin REFUSED_STREAM: a stream is sent again once with the same bytes (no body, a small streamed body); a body the proxy did not keep is not (502, never acted on)", async () => {
  await withOrigin("refuse", async ({ proxy, origin }) => {
    const small = { method: "POST", path: "/small", body: "streamed, kept: 64 KiB at most" };
    const large = { method: "POST", path: "/large", body: "x".repeat(65 * 1024) };
    const answers = await nodeParallel(proxy, [...gets(4), small, large]);
    const expected = [...gets(4), small].map((r): [number, string] => [
      200,
      `acted ${r.method} ${r.path} ${r.body ?? ""}`,
    ]);
    assert.deepEqual(answers.slice(0, 5), expected);
    assert.equal(answers[5]?.[0], 502);
    const { acted } = await origin.counts();
    const once = [...gets(4), small].map((r) => [`${r.method} ${r.path}`, 1]);
    assert.deepEqual(acted, Object.fromEntries(once));
  });
});

Deno.test("h2 origin that acted and then dropped the connection: nothing is sent again (502, acted on once)", async () => {
  await withOrigin("drop", async ({ proxy, origin }) => {
    const answers = await nodeParallel(proxy, [{ method: "GET", path: "/g" }]);
    assert.equal(answers[0]?.[0], 502);
    const posted = await nodeParallel(proxy, [{ method: "POST", path: "/p", body: "once" }]);
    assert.equal(posted[0]?.[0], 502);
    const { acted } = await origin.counts();
    assert.deepEqual(acted, { "GET /g": 1, "POST /p": 1 });
  });
});
