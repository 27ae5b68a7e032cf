/**
 * An allowed HTTP/2 origin that answers the proxy's own session with WINDOW_UPDATE frames alone:
 * valid 2^31 times per window, each one work for the proxy. Its session is ended (GOAWAY
 * ENHANCE_YOUR_CALM) once it has sent more than its DATA frames and streams earned, as a
 * client's is, while another client's GETs keep being answered. Before, the proxy took all
 * 1,000,000 (one run: other clients' GETs waited up to 5.4 s, the proxy reached 294 MB).
 */
import assert from "node:assert/strict";
import {
  H2,
  h2Frame,
  nodeH2Requests,
  rawRequest,
  readH2Frames,
  type TestUpstreams,
  windowUpdates,
  writeAll,
} from "./support/mod.ts";
import { GET_PUBLIC_POLICY, withGhOrigin } from "./proxy_hostile_fixtures.ts";

const ENHANCE_YOUR_CALM = 11;
const BATCHES = 100;

/** An h2 origin that answers the proxy's session with 100 batches of 10,000 WINDOW_UPDATEs. */
async function floodingOrigin(upstreams: TestUpstreams) {
  const leaf = await upstreams.mintLeaf(["api.github.com"]);
  const listen = { hostname: "127.0.0.1", port: 0, alpnProtocols: ["h2"] };
  const listener = Deno.listenTls({ ...listen, cert: leaf.chainPem, key: leaf.keyPem });
  const seen = { batches: 0, frames: [] as H2Frame[] };
  const serving = (async () => {
    const conn = await listener.accept();
    await conn.handshake();
    // The proxy's connection preface comes before its frames.
    const preface = new Uint8Array(24);
    for (let at = 0; at < 24;) at += await conn.read(preface.subarray(at)) ?? 24;
    const reading = readH2Frames(conn, (f) => f.type === H2.GOAWAY, 30_000);
    try {
      await writeAll(conn, h2Frame(H2.SETTINGS, 0, 0));
      const batch = windowUpdates(0, 10_000);
      for (; seen.batches < BATCHES; seen.batches++) await writeAll(conn, batch);
    } catch {
      // Closed by the proxy.
    }
    seen.frames = await reading;
    try {
      conn.close();
    } catch {
      // Closed by the proxy.
    }
  })();
  const close = async () => {
    listener.close();
    await serving.catch(() => {});
  };
  return { port: listener.addr.port, seen, serving, close };
}

type H2Frame = Awaited<ReturnType<typeof readH2Frames>>[number];

Deno.test("proxy hostile h2: an HTTP/2 origin flooding WINDOW_UPDATEs has its session ended while other clients are served", async () => {
  const setup = { policy: GET_PUBLIC_POLICY, start: floodingOrigin };
  await withGhOrigin(setup, async ({ proxy, origins: { origin } }) => {
    const get = [{ method: "GET", path: "/public/x" }];
    const flooded = nodeH2Requests(proxy.port, "api.github.com", proxy.caPath, get);
    // Another client's plain GETs, one after the other, for as long as the flood goes on.
    const other = "GET http://plain.example.com/public/x HTTP/1.1\r\n" +
      "Host: plain.example.com\r\nConnection: close\r\n\r\n";
    const statuses: number[] = [];
    let flooding = true;
    origin.serving.finally(() => (flooding = false));
    while (flooding || statuses.length < 3) {
      statuses.push((await rawRequest(proxy.port, other, { timeoutMs: 30_000 })).status);
    }
    const result = await flooded;
    const goaway = origin.seen.frames.find((f) => f.type === H2.GOAWAY);
    const taken = `${origin.seen.batches} batches of 10,000 taken`;
    assert.ok(goaway !== undefined, `no GOAWAY: ${taken}`);
    assert.equal(new DataView(goaway.payload.buffer).getUint32(4), ENHANCE_YOUR_CALM);
    assert.ok(origin.seen.batches < BATCHES, taken);
    assert.equal(result.responses[0]?.status, 502, result.stderr);
    assert.ok(statuses.every((status) => status === 200), JSON.stringify(statuses));
  });
});
