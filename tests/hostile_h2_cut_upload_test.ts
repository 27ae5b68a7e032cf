/**
 * An upload the proxy stops part-way never reaches an HTTP/2 origin looking complete: a reload
 * that revokes its rule, a client that vanishes mid-body, a body that stops arriving. The origin
 * reads frames off the wire (raw_h2_origin.ts) and records whether END_STREAM or RST_STREAM came
 * first: a request that ends (END_STREAM) is one an origin acts on, however short its body.
 * Before, Deno 2.9's `close(NGHTTP2_CANCEL)` sent END_STREAM ahead of its RST_STREAM, and a
 * client stream cut short reported `end`, which ended the upstream stream too.
 */
import assert from "node:assert/strict";
import { type RawH2Origin, startRawH2Origin } from "./raw_h2_origin.ts";
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

const HOST = "h2cut.example.com";
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/node", ancestors: [] }) };

const policy = (revision: number, upload: boolean) =>
  revocablePolicy(
    revision,
    upload ? { name: "upload", endpoints: UPLOAD } : undefined,
    "/usr/bin/node",
  );
const UPLOAD =
  `      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: POST, path: /upload } }] }`;

// CONNECT, TLS with h2, one POST whose body is written a piece every 50 ms and never ended.
// "vanish": after 5 pieces the client's TCP connection is closed (FIN), as a process that exits.
const CLIENT = `
const net = require("node:net"), tls = require("node:tls"), http2 = require("node:http2");
const fs = require("node:fs");
const [proxyPort, host, caPath, mode] = process.argv.slice(1);
const raw = net.connect(Number(proxyPort), "127.0.0.1", () =>
  raw.write("CONNECT " + host + ":443 HTTP/1.1\\r\\nHost: " + host + ":443\\r\\n\\r\\n"));
raw.once("data", () => {
  const socket = tls.connect({ socket: raw, servername: host, ca: fs.readFileSync(caPath), ALPNProtocols: ["h2"] });
  socket.on("error", () => {});
  socket.on("secureConnect", () => {
    const session = http2.connect("https://" + host, { createConnection: () => socket });
    session.on("error", () => {});
    const req = session.request({ ":method": "POST", ":path": "/upload" });
    req.on("error", () => {});
    let pieces = 0;
    const feed = setInterval(() => {
      if (mode === "stall" && pieces === 1) return;
      req.write("piece" + pieces++ + ";");
      if (mode === "vanish" && pieces === 5) { clearInterval(feed); raw.end(); raw.destroy(); }
    }, 50);
    setTimeout(() => process.exit(0), 8000);
    req.on("close", () => { clearInterval(feed); process.exit(0); });
  });
});
`;

type Proxy = Awaited<ReturnType<typeof startTestProxy>>;

/** The node client above in `mode`, through `proxy`; resolves once it has exited. */
function nodeClient(mode: "trickle" | "vanish" | "stall") {
  return (proxy: Proxy): { done: Promise<unknown>; stop(): void } => {
    const client = new Deno.Command("/usr/bin/node", {
      args: ["-e", CLIENT, String(proxy.port), HOST, proxy.caPath, mode],
      env: { PATH: "/usr/bin:/bin" },
      clearEnv: true,
      stdout: "null",
      stderr: "null",
    }).spawn();
    const stop = () => {
      try {
        client.kill("SIGKILL");
      } catch { /* it has exited */ }
    };
    return { done: client.status, stop };
  };
}

/** Raw frames: a POST whose first piece goes out, then RST_STREAM with `code` once asked. */
const resettingClient = (code: number) => (proxy: Proxy) => {
  const tls = openH2Session(proxy, HOST).then(async (tls) => {
    await tls.write(h2Headers(1, h2RequestFields("POST", "/upload", HOST), { open: true }));
    await tls.write(h2Frame(H2.DATA, 0, 1, new TextEncoder().encode("piece0;")));
    return tls;
  });
  const done = tls.then((tls) => readH2Frames(tls, () => false, 20_000));
  const stop = () => void tls.then((tls) => tls.close()).catch(() => {});
  const rst = h2Frame(H2.RST_STREAM, 0, 1, new Uint8Array([0, 0, 0, code]));
  const reset = () => void tls.then((tls) => tls.write(rst));
  return { done, stop, reset };
};

/** The proxy, the raw origin and a client; `act` runs once the origin got the first piece. */
async function cutUpload<C extends { done: Promise<unknown>; stop(): void }>(
  start: (proxy: Proxy) => C,
  act: (proxy: Proxy, client: C) => Promise<void> | void,
  options: { idleTimeoutMs?: number; upstreamTimeoutMs?: number } = {},
): Promise<RawH2Origin["streams"]> {
  const upstreams = await startTestUpstreams();
  const origin = await startRawH2Origin(upstreams, HOST);
  const resolve = [{ host: HOST, port: 443, address: "127.0.0.1", targetPort: origin.port }];
  const proxy = await startTestProxy({
    policy: policy(1, true),
    upstreams,
    identity,
    resolve,
    ...options,
  });
  const client = start(proxy);
  try {
    const first = () => [...origin.streams.values()][0];
    await waitFor(() => (first()?.body.length ?? 0) > 0, "the first piece at the origin");
    await act(proxy, client);
    const over = () => first()!.ended || first()!.reset;
    await waitFor(over, "the upload to end or be reset at the origin", 15_000);
    return origin.streams;
  } finally {
    client.stop();
    await client.done;
    await proxy.close();
    await origin.close();
    await upstreams.close();
  }
}

function assertCut(streams: RawH2Origin["streams"]): void {
  assert.equal(streams.size, 1);
  const stream = [...streams.values()][0]!;
  assert.ok(stream.body.startsWith("piece0;"), stream.body);
  assert.equal(stream.ended, false, `the origin holds a whole request: ${JSON.stringify(stream)}`);
  assert.equal(stream.reset, true);
  assert.equal(stream.resetCode, 8, JSON.stringify(stream)); // CANCEL
}

Deno.test("hostile h2 cut upload: a reload that revokes the rule resets the upstream stream, never ends it", async () => {
  const streams = await cutUpload(nodeClient("stall"), async (proxy) => {
    assert.ok((await proxy.holder.reload(policy(2, false))).ok);
  });
  assertCut(streams);
});

Deno.test("hostile h2 cut upload: a client that vanishes mid-body leaves the origin a reset, not a whole request", async () => {
  assertCut(await cutUpload(nodeClient("vanish"), () => {}));
});

Deno.test("hostile h2 cut upload: a body that stops arriving is reset upstream at the idle limit", async () => {
  assertCut(await cutUpload(nodeClient("stall"), () => {}, { idleTimeoutMs: 500 }));
});

Deno.test("hostile h2 cut upload: an origin that does not answer in time gets a reset, not the body's end", async () => {
  // The body trickles on (no idle limit reached); the raw origin answers only a whole request.
  assertCut(await cutUpload(nodeClient("trickle"), () => {}, { upstreamTimeoutMs: 800 }));
});

Deno.test("hostile h2 cut upload: a client that resets its stream mid-body leaves the origin a reset", async () => {
  assertCut(await cutUpload(resettingClient(8), (_, client) => client.reset())); // CANCEL
  // NO_ERROR: Deno 2.9 reports it as the end of the client's body.
  assertCut(await cutUpload(resettingClient(0), (_, client) => client.reset()));
});
