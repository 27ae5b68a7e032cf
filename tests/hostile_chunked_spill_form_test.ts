/**
 * A form body past the 16 MiB chunked-body cap streams to the origin (see
 * hostile_chunked_spill_test.ts), and its `_method` field is still decided: one named past the
 * cap stops the body before its last chunk, so the origin never acts on it.
 */
import assert from "node:assert/strict";
import { startTestProxy, startTestUpstreams, waitFor } from "./support/mod.ts";

const MIB = 1024 * 1024;
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
const encoder = new TextEncoder();
// One MiB of form fields (`f=xxx…&`), as one chunk.
const FIELDS = `f=${"x".repeat(MIB - 3)}&`;
const ONE_MIB_CHUNK = encoder.encode(`${MIB.toString(16)}\r\n${FIELDS}\r\n`);

const POLICY = `version: 1
network_policies:
  upload:
    endpoints:
      - { host: up.example.com, port: 80, protocol: rest, rules: [{ allow: { method: POST, path: /upload } }] }
    binaries: [{ path: /usr/bin/curl }]
`;

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<boolean> {
  try {
    for (let done = 0; done < bytes.byteLength;) done += await conn.write(bytes.subarray(done));
    return true;
  } catch {
    return false;
  }
}

/** Send a 17 MiB chunked form, then `last` as one more chunk, and the end; the answer. */
async function sendForm(last: string) {
  const seen = { bytes: 0, completed: 0 };
  const origin = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    try {
      for await (const piece of r.body ?? []) seen.bytes += piece.byteLength;
      seen.completed++;
    } catch {
      // Broken off by the proxy: never completed.
    }
    return Response.json({ bytes: seen.bytes });
  });
  const upstreams = await startTestUpstreams();
  const targetPort = origin.addr.port;
  const resolve = [{ host: "up.example.com", port: 80, address: "127.0.0.1", targetPort }];
  const proxy = await startTestProxy({ policy: POLICY, upstreams, identity, resolve });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  const answer = new Response(conn.readable).text().catch(() => "");
  try {
    const head = "POST http://up.example.com/upload HTTP/1.1\r\nHost: up.example.com\r\n" +
      "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n" +
      "Connection: close\r\n\r\n";
    await writeAll(conn, encoder.encode(head));
    for (let i = 0; i < 17; i++) await writeAll(conn, ONE_MIB_CHUNK);
    await waitFor(() => seen.bytes >= 16 * MIB, "the first 16 MiB reached the origin");
    const tail = encoder.encode(last);
    await writeAll(conn, encoder.encode(`${tail.byteLength.toString(16)}\r\n${last}\r\n0\r\n\r\n`));
    return { text: await answer, seen };
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the proxy already.
    }
    await answer;
    await proxy.close();
    await upstreams.close();
    await origin.shutdown();
  }
}

Deno.test("hostile chunked spill: a _method named past the cap is decided before the body ends", async () => {
  const { text, seen } = await sendForm("_method=DELETE");
  assert.match(text, /^HTTP\/1\.1 403 /);
  assert.match(text, /POST \(as DELETE\) \/upload not permitted by policy/);
  assert.equal(seen.completed, 0, "the origin got the whole body");
});

Deno.test("hostile chunked spill: a form past the cap without an override arrives whole", async () => {
  const { text, seen } = await sendForm("g=1");
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.deepEqual([seen.bytes, seen.completed], [17 * MIB + 3, 1]);
});
