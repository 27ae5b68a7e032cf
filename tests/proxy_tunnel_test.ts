/**
 * The blind tunnel's byte relay end to end: a half-close passes through each way, bytes an
 * upstream sends before the client speaks (a banner) arrive after the CONNECT answer, and an
 * upload whose first bytes came with the CONNECT head arrives whole once the client's socket
 * reads through one reused buffer (adopt_reads.ts), counted and closed as before.
 */
import assert from "node:assert/strict";
import {
  startTestProxy,
  startTestUpstreams,
  type TestProxyOptions,
  writeAll,
} from "./support/mod.ts";

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

/** A proxy whose raw.example.com:7000 is `origin`, for `run`; closed after it. */
async function withRawProxy(
  origin: Deno.TcpListener,
  run: (port: number, close: () => Promise<void>) => Promise<void>,
  options: Partial<TestProxyOptions> = {},
): Promise<void> {
  const upstreams = await startTestUpstreams();
  const target = { host: "raw.example.com", port: 7000, address: "127.0.0.1" };
  const resolve = [{ ...target, targetPort: origin.addr.port }];
  const proxy = await startTestProxy({ policy, upstreams, identity, resolve, ...options });
  let closing: Promise<void> | undefined;
  const close = () => closing ??= proxy.close();
  try {
    await run(proxy.port, close);
  } finally {
    await close();
    await upstreams.close();
  }
}

const CONNECT = "CONNECT raw.example.com:7000 HTTP/1.1\r\nHost: raw.example.com:7000\r\n\r\n";

/** The proxy's answer to a CONNECT whose first `first` bytes share its write (its head). */
async function openTunnel(port: number, first = new Uint8Array(0)): Promise<[Deno.Conn, string]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const connect = encoder.encode(CONNECT);
  const packet = new Uint8Array(connect.length + first.length);
  packet.set(connect);
  packet.set(first, connect.length);
  await writeAll(conn, packet);
  let head = "";
  const byte = new Uint8Array(1);
  while (!head.endsWith("\r\n\r\n") && (await conn.read(byte)) === 1) head += decoder.decode(byte);
  return [conn, head];
}

/** A checksum that sees a changed, lost or reordered byte. */
function digest(sum: number, bytes: Uint8Array, offset: number): number {
  for (let i = 0; i < bytes.length; i++) sum = (sum + bytes[i]! * ((offset + i) % 251 + 1)) % 1e9;
  return sum;
}

Deno.test("blind tunnel: a 16 MB upload whose first bytes share the CONNECT's write arrives byte for byte", async () => {
  using origin = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // The origin answers with the length and checksum of everything it received.
  const served = (async () => {
    const conn = await origin.accept();
    const buffer = new Uint8Array(64 * 1024);
    let [length, sum] = [0, 0];
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      sum = digest(sum, buffer.subarray(0, n), length);
      length += n;
    }
    await writeAll(conn, encoder.encode(`${length} ${sum}`));
    conn.close();
  })();
  const body = Uint8Array.from({ length: 16 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 12)) % 256);
  await withRawProxy(origin, async (port) => {
    const [client, head] = await openTunnel(port, body.subarray(0, 1000));
    try {
      assert.equal(head, "HTTP/1.1 200 Connection Established\r\n\r\n");
      await writeAll(client, body.subarray(1000));
      await client.closeWrite();
      assert.equal(await readToEnd(client), `${body.length} ${digest(0, body, 0)}`);
    } finally {
      client.close();
    }
  });
  await served;
});

Deno.test("blind tunnel: the connection cap counts a tunnel until it closes, and the proxy's close ends one", async () => {
  using origin = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // The origin closes each connection once the client has closed its side.
  const served: Promise<unknown>[] = [];
  const accepting = (async () => {
    for await (const conn of origin) served.push(readToEnd(conn).finally(() => conn.close()));
  })();
  await withRawProxy(origin, async (port, closeProxy) => {
    const [first, head] = await openTunnel(port);
    assert.match(head, /^HTTP\/1.1 200 /);
    const [second, refused] = await openTunnel(port);
    assert.match(refused, /^HTTP\/1.1 503 /); // the cap of one is taken by the open tunnel
    second.close();
    first.close();
    // Once the tunnel's close is counted, the next one is admitted.
    let third: Deno.Conn | undefined;
    for (let tries = 0; third === undefined; tries++) {
      const [conn, answer] = await openTunnel(port);
      if (answer.startsWith("HTTP/1.1 200 ")) third = conn;
      else conn.close();
      assert.ok(tries < 100, `still refused: ${answer}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await closeProxy();
    assert.equal(await readToEnd(third), ""); // the proxy's close reached the tunnel
    third.close();
  }, { maxConnections: 1 });
  origin.close();
  await accepting.catch(() => {});
  await Promise.all(served);
});

Deno.test("blind tunnel: the next tunnel, reading into a closed one's buffers, carries only its own bytes", async () => {
  using origin = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // The origin sends each connection its banner, then echoes what it received once the
  // client half-closed: the first a megabyte each way, the second a few bytes.
  const banners = ["x".repeat(1 << 20), "hi;"];
  const served = (async () => {
    for (const banner of banners) {
      const conn = await origin.accept();
      await writeAll(conn, encoder.encode(banner));
      await writeAll(conn, encoder.encode(await readToEnd(conn)));
      conn.close();
    }
  })();
  await withRawProxy(origin, async (port) => {
    for (const [i, upload] of ["y".repeat(1 << 20), "second"].entries()) {
      const [client, head] = await openTunnel(port);
      try {
        assert.equal(head, "HTTP/1.1 200 Connection Established\r\n\r\n");
        await writeAll(client, encoder.encode(upload));
        await client.closeWrite();
        const received = await readToEnd(client);
        assert.ok(received === `${banners[i]}${upload}`, `tunnel ${i + 1} got other bytes`);
      } finally {
        client.close();
      }
    }
  });
  await served;
});
