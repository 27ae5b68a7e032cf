/**
 * A once rule is one request's, on HTTP/2 as on HTTP/1.1: a stream that spent it does not lend
 * it to the session's other streams. Before, every stream of a session decided again at a
 * reload (its body still streaming) counted a once rule spent by an earlier stream of the same
 * connection as its own, so revoking the rule a stream was allowed by left it uploading.
 */
import assert from "node:assert/strict";
import { leaseComment } from "../proxy/policy/mod.ts";
import {
  AS_CURL,
  h2TunnelClient,
  originAt,
  startH2Origin,
  type TestUpstreams,
  withOrigins,
} from "./support/mod.ts";

const HOST = "h2.example.com";
const expiresAt = Date.now() + 600_000;

// The once rule allows one POST /upload/x; "upload" (durable) any POST under /upload.
const policy = (revision: number, upload: boolean) =>
  `version: 1
revision: ${revision}
network_policies:
  ${leaseComment({ scope: "once", expiresAt })}
  one:
    endpoints:
      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: POST, path: /upload/x } }] }
    binaries: [{ path: /usr/bin/curl }]
${
    upload
      ? `  upload:
    endpoints:
      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: POST, path: /upload/** } }] }
    binaries: [{ path: /usr/bin/curl }]
`
      : ""
  }`;

/** An HTTP/2 origin counting the body bytes of its streams (each answered 200 at its end). */
async function countingH2Origin(upstreams: TestUpstreams) {
  const seen = { bytes: 0, closed: false };
  const origin = await startH2Origin(upstreams, [HOST], (stream) => {
    stream.on("data", (chunk: Uint8Array) => void (seen.bytes += chunk.byteLength));
    stream.on("end", () => {
      if (!stream.destroyed) stream.respond({ ":status": 200 }, { endStream: true });
    });
    stream.on("close", () => void (seen.closed = true));
  });
  return { ...origin, seen };
}

// One session: POST /upload/x whole (the once rule), then, on a line from the test, the same
// POST again with its body written a piece every 50 ms for 5 s.
const CLIENT = `
const session = await openH2Session();
const first = session.request({ ":method": "POST", ":path": "/upload/x" });
first.on("response", (h) => console.log("first " + h[":status"]));
first.end("once");
process.stdin.once("data", () => {
  const req = session.request({ ":method": "POST", ":path": "/upload/x" });
  req.on("error", () => {});
  req.on("response", (h) => console.log("second " + h[":status"]));
  req.write("first");
  const feed = setInterval(() => req.write("more!"), 50);
  setTimeout(() => process.exit(0), 5000);
  req.on("close", () => { clearInterval(feed); process.exit(0); });
});
`;

const SETUP = {
  policy: policy(1, false),
  prefix: "tollgate-h2-",
  identity: AS_CURL,
  ...originAt(HOST, 443, (_dir, upstreams) => countingH2Origin(upstreams)),
};

Deno.test("hostile h2: a once rule spent by one stream does not keep another stream's body flowing after its own rule is revoked", () =>
  withOrigins(SETUP, async ({ proxy, origins: { origin } }) => {
    const { port: proxyPort, caPath } = proxy;
    const options = { runtime: "node", proxyPort, host: HOST, caPath, stdin: "piped" } as const;
    const client = h2TunnelClient(CLIENT, options).spawn();
    const lines = client.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const stdin = client.stdin.getWriter();
    try {
      const { seen } = origin;
      assert.match((await lines.read()).value ?? "", /^first 200/); // the once rule, spent
      for (let i = 0; i < 300 && !seen.closed; i++) await new Promise((r) => setTimeout(r, 10));
      // The durable rule arrives; the same POST again is its (the once rule is spent).
      assert.ok((await proxy.holder.reload(policy(2, true))).ok);
      await stdin.write(new TextEncoder().encode("go\n"));
      const before = seen.bytes;
      for (let i = 0; i < 300 && seen.bytes < before + 10; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(seen.bytes >= before + 10, "the second body did not reach the origin");
      seen.closed = false;
      assert.ok((await proxy.holder.reload(policy(3, false))).ok); // its rule is revoked
      for (let i = 0; i < 300 && !seen.closed; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(seen.closed, `the origin still received the body: ${seen.bytes} bytes`);
    } finally {
      await stdin.close().catch(() => {});
      await client.status;
      await lines.cancel().catch(() => {});
    }
  }));
