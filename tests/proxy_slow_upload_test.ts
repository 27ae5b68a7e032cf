/**
 * The wait for an origin's answer (`upstreamTimeoutMs`, 60 s by default) counts from the end
 * of a request body that streams from the client, not from the request head: an upload that
 * outlasts it (a big `git push`, a `curl -T` on a slow link) got a 504 "Upstream did not
 * answer in time" mid-body before. An origin that has the whole body and stays silent still
 * gets its 504, that long after the body's end.
 */
import assert from "node:assert/strict";
import { startTestProxy, startTestUpstreams } from "./support/mod.ts";

const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
const POLICY = `version: 1
network_policies:
  up:
    endpoints:
      - { host: up.example.com, port: 80, protocol: rest, rules: [{ allow: { method: PUT, path: "/**" } }] }
    binaries: [{ path: /usr/bin/curl }]
`;
const encoder = new TextEncoder();

/** PUT 100 bytes, 10 every 300 ms, with a 1 s answer wait; the proxy's answer. */
async function slowPut(path: string): Promise<string> {
  const silent = Promise.withResolvers<void>();
  const origin = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    let bytes = 0;
    for await (const piece of r.body ?? []) bytes += piece.byteLength;
    if (r.url.endsWith("/silent")) await silent.promise;
    return Response.json({ bytes });
  });
  const upstreams = await startTestUpstreams();
  const targetPort = origin.addr.port;
  const resolve = [{ host: "up.example.com", port: 80, address: "127.0.0.1", targetPort }];
  const proxy = await startTestProxy({
    policy: POLICY,
    upstreams,
    identity,
    resolve,
    upstreamTimeoutMs: 1000,
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  const answer = new Response(conn.readable).text().catch(() => "");
  try {
    const head = `PUT http://up.example.com${path} HTTP/1.1\r\nHost: up.example.com\r\n` +
      "Content-Type: application/octet-stream\r\nContent-Length: 100\r\nConnection: close\r\n\r\n";
    await conn.write(encoder.encode(head));
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await conn.write(encoder.encode("0123456789")).catch(() => {});
    }
    return await answer;
  } finally {
    silent.resolve();
    try {
      conn.close();
    } catch {
      // Closed by the proxy already.
    }
    await proxy.close();
    await upstreams.close();
    await origin.shutdown();
  }
}

Deno.test("proxy slow upload: a body streaming for 3 s under a 1 s answer wait arrives whole", async () => {
  const text = await slowPut("/upload");
  assert.match(text, /^HTTP\/1\.1 200 /, text);
  assert.match(text, /\{"bytes":100\}$/);
});

Deno.test("proxy slow upload: an origin silent after the whole body still gets the 504", async () => {
  const text = await slowPut("/silent");
  assert.match(text, /^HTTP\/1\.1 504 /, text);
  assert.match(text, /upstream_timeout/);
});
