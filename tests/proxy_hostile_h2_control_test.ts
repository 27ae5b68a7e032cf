/**
 * A hostile agent's HTTP/2 control frames against the proxy's CPU and memory. nghttp2 (under
 * Deno's `node:http2`) already ends a session flooding PING, SETTINGS, PRIORITY, empty DATA,
 * unknown frame types or RST_STREAM; a WINDOW_UPDATE is none of those, and nothing bounded
 * how many a client (or an allowed HTTP/2 origin) sent.
 */
import assert from "node:assert/strict";
import {
  H2,
  nodeH2Requests,
  openH2Session,
  rawRequest,
  readH2Frames,
  startTestProxy,
  type TestUpstreams,
  windowUpdates,
  withTestProxy,
  writeAll,
} from "./support/mod.ts";
import { GET_PUBLIC_POLICY } from "./proxy_hostile_fixtures.ts";
import { startBulkUpstream } from "./support/bulk_upstream.ts";

const ENHANCE_YOUR_CALM = 11;

Deno.test("proxy hostile h2: a WINDOW_UPDATE flood ends the session with ENHANCE_YOUR_CALM", async () => {
  await withTestProxy({ policy: GET_PUBLIC_POLICY }, async (proxy) => {
    const tls = await openH2Session(proxy);
    // Increments of 1 never overflow the window: 2^31 frames (28 GB) before a flow-control
    // error, each one work for the proxy and none for a client that never reads.
    const batch = windowUpdates(0, 10_000);
    let written = 0;
    try {
      for (; written < 100; written++) await writeAll(tls, batch);
    } catch {
      // Closed by the proxy.
    }
    const frames = await readH2Frames(tls, (f) => f.type === H2.GOAWAY);
    try {
      tls.close();
    } catch {
      // Closed by the proxy.
    }
    const goaway = frames.find((f) => f.type === H2.GOAWAY);
    assert.ok(goaway !== undefined, `1,000,000 WINDOW_UPDATEs taken, no GOAWAY (${written})`);
    assert.equal(new DataView(goaway.payload.buffer).getUint32(4), ENHANCE_YOUR_CALM);
    const other = "GET http://plain.example.com/public/x HTTP/1.1\r\n" +
      "Host: plain.example.com\r\nConnection: close\r\n\r\n";
    assert.equal((await rawRequest(proxy.port, other, { timeoutMs: 5_000 })).status, 200);
  });
});

Deno.test("proxy hostile h2: a client acknowledging a long download with WINDOW_UPDATEs is served whole", async () => {
  // Node's client grants its 64 KiB windows again as it reads: hundreds of updates, each earned.
  const bulk = await startBulkUpstream(["api.github.com"]);
  const upstreams = bulk as unknown as TestUpstreams;
  const policy = GET_PUBLIC_POLICY.replace("/public/**", "/bulk/**");
  const proxy = await startTestProxy({ policy, upstreams, httpsHosts: ["api.github.com"] });
  try {
    const size = 4 * 1024 * 1024;
    const get = [{ method: "GET", path: `/bulk/${size}` }];
    const result = await nodeH2Requests(proxy.port, "api.github.com", proxy.caPath, get);
    assert.equal(result.alpn, "h2", result.stderr);
    assert.equal(result.responses[0]?.status, 200, result.stderr);
    assert.equal(result.responses[0]?.body.length, size);
  } finally {
    await proxy.close();
    await bulk.close();
  }
});
