/**
 * A chunked request body past the proxy's 16 MiB chunked-body cap streams to the origin, framed
 * anew by the proxy (before, it was refused with 413, so a `git push` of a bigger pack failed).
 * What holds for a streaming Content-Length body holds for it: a reload that revokes the rule
 * ends it, an unrelated one does not, and a framing error in the streamed part ends the request
 * before the origin sees it complete, with a 400 to the client.
 */
import assert from "node:assert/strict";
import { revocablePolicy, startTestProxy, startTestUpstreams, waitFor } from "./support/mod.ts";

const MIB = 1024 * 1024;
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }) };
const encoder = new TextEncoder();
const ONE_MIB_CHUNK = encoder.encode(`${MIB.toString(16)}\r\n${"x".repeat(MIB)}\r\n`);

const policy = (revision: number, upload: boolean) =>
  revocablePolicy(revision, upload ? { name: "upload", endpoints: UPLOAD } : undefined);
const UPLOAD =
  `      - { host: up.example.com, port: 80, protocol: rest, rules: [{ allow: { method: POST, path: /upload } }] }`;

/** A Deno.serve origin (a real HTTP parser) counting the decoded body of each request. */
function countingOrigin() {
  const seen = { bytes: 0, framing: "", completed: 0, broken: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    seen.framing = r.headers.get("transfer-encoding") ?? "";
    try {
      for await (const piece of r.body ?? []) seen.bytes += piece.byteLength;
      seen.completed++;
    } catch {
      seen.broken++;
    }
    return Response.json({ bytes: seen.bytes });
  });
  return { seen, server };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<boolean> {
  try {
    for (let done = 0; done < bytes.byteLength;) done += await conn.write(bytes.subarray(done));
    return true;
  } catch {
    return false;
  }
}

async function withSpill(
  fn: (ctx: {
    conn: Deno.Conn;
    seen: ReturnType<typeof countingOrigin>["seen"];
    reload: (revision: number, upload: boolean) => Promise<void>;
    answer: () => Promise<string>;
  }) => Promise<void>,
): Promise<void> {
  const origin = countingOrigin();
  const upstreams = await startTestUpstreams();
  const proxy = await startTestProxy({
    policy: policy(1, true),
    upstreams,
    identity,
    resolve: [{
      host: "up.example.com",
      port: 80,
      address: "127.0.0.1",
      targetPort: origin.server.addr.port,
    }],
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  const answer = new Response(conn.readable).text().catch(() => "");
  try {
    const head = "POST http://up.example.com/upload HTTP/1.1\r\nHost: up.example.com\r\n" +
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    assert.ok(await writeAll(conn, encoder.encode(head)));
    // 17 MiB: one past the cap, so the origin has the request and the rest streams.
    for (let i = 0; i < 17; i++) assert.ok(await writeAll(conn, ONE_MIB_CHUNK));
    await waitFor(() => origin.seen.bytes >= 16 * MIB, "the first 16 MiB reached the origin");
    assert.equal(origin.seen.framing, "chunked");
    const reload = async (revision: number, upload: boolean) =>
      assert.ok((await proxy.holder.reload(policy(revision, upload))).ok);
    await fn({ conn, seen: origin.seen, reload, answer: () => answer });
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the proxy already.
    }
    await answer;
    await proxy.close();
    await upstreams.close();
    await origin.server.shutdown();
  }
}

Deno.test("hostile chunked spill: an honest body past the cap arrives whole; an unrelated reload leaves it streaming", () =>
  withSpill(async ({ conn, seen, reload, answer }) => {
    await reload(2, true);
    for (let i = 0; i < 3; i++) assert.ok(await writeAll(conn, ONE_MIB_CHUNK));
    assert.ok(await writeAll(conn, encoder.encode("0\r\nX-Trailer: dropped\r\n\r\n")));
    const text = await answer();
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.equal(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).bytes, 20 * MIB);
    assert.deepEqual([seen.bytes, seen.completed, seen.broken], [20 * MIB, 1, 0]);
  }));

Deno.test("hostile chunked spill: a reload that revokes the rule ends the streaming body before it completes", () =>
  withSpill(async ({ conn, seen, reload }) => {
    await reload(2, false);
    for (let i = 0; i < 64 && seen.broken === 0; i++) {
      if (!await writeAll(conn, ONE_MIB_CHUNK)) break;
    }
    await waitFor(() => seen.broken === 1, "the origin's request broken off");
    assert.equal(seen.completed, 0);
  }));

Deno.test("hostile chunked spill: a framing error past the cap is a 400, and the origin never sees the request complete", () =>
  withSpill(async ({ conn, seen, answer }) => {
    assert.ok(await writeAll(conn, encoder.encode("zz\r\nabc\r\n0\r\n\r\n")));
    const text = await answer();
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /Invalid chunked body: Malformed chunk size line/);
    await waitFor(() => seen.broken === 1, "the origin's request broken off");
    assert.equal(seen.completed, 0);
  }));
