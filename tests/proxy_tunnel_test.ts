/**
 * The blind tunnel's byte relay end to end: a half-close passes through each way, and bytes an
 * upstream sends before the client speaks (a banner) arrive after the CONNECT answer.
 */
import assert from "node:assert/strict";
import { startTestProxy, startTestUpstreams } from "./support/mod.ts";

const policy = `version: 1
network_policies:
  raw:
    endpoints: [{ host: raw.example.com, port: 7000 }]
    binaries: [{ path: /usr/bin/curl }]
`;
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Everything `conn` sends until it ends its side. */
async function readToEnd(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(64 * 1024);
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
    text += decoder.decode(buffer.subarray(0, n));
  }
  return text;
}

Deno.test("blind tunnel: a banner arrives after the CONNECT answer, and each side's half-close passes through", async () => {
  using origin = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const upstreams = await startTestUpstreams();
  const proxy = await startTestProxy({
    policy,
    upstreams,
    identity,
    resolve: [{
      host: "raw.example.com",
      port: 7000,
      address: "127.0.0.1",
      targetPort: origin.addr.port,
    }],
  });
  // The origin greets first, reads the client's bytes until the client half-closes, then
  // answers with their length and closes.
  const served = (async () => {
    const conn = await origin.accept();
    await conn.write(encoder.encode("banner;"));
    const asked = await readToEnd(conn);
    await conn.write(encoder.encode(`got ${asked.length} bytes`));
    conn.close();
    return asked;
  })();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    const connect = "CONNECT raw.example.com:7000 HTTP/1.1\r\nHost: raw.example.com:7000\r\n\r\n";
    await client.write(encoder.encode(connect));
    const payload = "x".repeat(200_000);
    await client.write(encoder.encode(payload));
    await client.closeWrite();
    const received = await readToEnd(client);
    assert.equal(
      received,
      "HTTP/1.1 200 Connection Established\r\n\r\nbanner;got 200000 bytes",
    );
    assert.equal(await served, payload);
  } finally {
    client.close();
    await proxy.close();
    await upstreams.close();
  }
});
