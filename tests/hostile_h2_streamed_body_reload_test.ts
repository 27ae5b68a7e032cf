/**
 * The HTTP/2 side of hostile_streamed_body_reload_test.ts: a stream whose request body still
 * flows from the client (a gRPC client stream, a trickled upload) is ended by a reload that no
 * longer allows it. Before, HTTP/2 streams were decided only when they opened, so one begun under
 * a rule kept carrying bytes to the origin after the rule was revoked.
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

const HOST = "h2.example.com";

const policy = (revision: number, upload: boolean) =>
  revocablePolicy(revision, upload ? { name: "upload", endpoints: UPLOAD } : undefined);
const UPLOAD =
  `      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: POST, path: /stream } }] }`;

/** An HTTP/2 origin counting the body bytes of its streams, and whether the last one ended. */
async function countingH2Origin(upstreams: TestUpstreams) {
  const seen = { bytes: 0, closed: false };
  const origin = await startH2Origin(upstreams, [HOST], (stream) => {
    stream.on("data", (chunk: Uint8Array) => void (seen.bytes += chunk.byteLength));
    stream.on("close", () => void (seen.closed = true));
  });
  return { ...origin, seen };
}

// One POST whose body is written a piece every 50 ms for 5 s.
const CLIENT = `
const session = await openH2Session();
const req = session.request({ ":method": "POST", ":path": "/stream" });
req.on("error", () => {});
req.write("first");
const feed = setInterval(() => req.write("more!"), 50);
setTimeout(() => process.exit(0), 5000);
req.on("close", () => { clearInterval(feed); process.exit(0); });
`;

const SETUP = {
  policy: policy(1, true),
  prefix: "tollgate-h2-",
  identity: AS_CURL,
  ...originAt(HOST, 443, (_dir, upstreams) => countingH2Origin(upstreams)),
};

Deno.test("hostile h2: a reload that revokes a stream's rule ends its body still streaming", () =>
  withOrigins(SETUP, async ({ proxy, origins: { origin } }) => {
    const { port: proxyPort, caPath } = proxy;
    const options = { runtime: "node", proxyPort, host: HOST, caPath, stdout: "null" } as const;
    const client = h2TunnelClient(CLIENT, options).spawn();
    try {
      const { seen } = origin;
      for (let i = 0; i < 300 && seen.bytes < 10; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(seen.bytes >= 10, "the allowed body did not reach the origin");
      assert.ok((await proxy.holder.reload(policy(2, true))).ok); // unrelated: it goes on
      const before = seen.bytes;
      for (let i = 0; i < 300 && seen.bytes < before + 10; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(!seen.closed && seen.bytes >= before + 10, "an unrelated reload stopped the body");
      assert.ok((await proxy.holder.reload(policy(3, false))).ok); // the upload rule is revoked
      for (let i = 0; i < 300 && !seen.closed; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(seen.closed, `the origin still received the body: ${seen.bytes} bytes`);
    } finally {
      await client.status;
    }
  }));
