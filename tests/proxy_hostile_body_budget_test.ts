/**
 * A hostile agent against the proxy's memory with request bodies the proxy must hold whole
 * (a chunked body is decoded before it goes upstream; an HTTP/2 stream's body is read for an
 * HTTP/1.1 origin): however many connections carry them, they share one byte budget, the
 * rest wait unread and then get 503 with `Retry-After`, and every byte is given back however
 * the exchange ends.
 */
import assert from "node:assert/strict";
import {
  h2Headers,
  h2RequestFields,
  h2Reset,
  openH2Session,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  waitFor,
  withTestProxy,
  writeAll,
} from "./support/mod.ts";
import { identity, POLICY } from "./proxy_hostile_fixtures.ts";
import { H2Uploads } from "./h2_uploads.ts";
import { STREAM_WINDOW_HOLD } from "../proxy/transport/h2/h2_intercept.ts";

const MIB = 1024 * 1024;
const COUNT = 32;
const CHUNKED_HEAD = "POST http://plain.example.com/public/upload HTTP/1.1\r\n" +
  "Host: plain.example.com\r\nTransfer-Encoding: chunked\r\n\r\n";
const ONE_MIB_CHUNK = new TextEncoder().encode(
  `${MIB.toString(16)}\r\n${"x".repeat(MIB)}\r\n`,
);

/** A connection sending a chunked POST of `mib` 1 MiB chunks, ended only when told. */
class Uploader {
  readonly answer: Promise<string>;
  readonly written: Promise<void>;
  #conn: Deno.Conn;

  constructor(conn: Deno.Conn, mib: number, end: boolean) {
    this.#conn = conn;
    this.answer = new Response(conn.readable).text().catch(() => "");
    const head = end
      ? CHUNKED_HEAD.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
      : CHUNKED_HEAD;
    this.written = (async () => {
      await writeAll(conn, new TextEncoder().encode(head));
      for (let i = 0; i < mib; i++) await writeAll(conn, ONE_MIB_CHUNK);
      if (end) await writeAll(conn, new TextEncoder().encode("0\r\n\r\n"));
    })().catch(() => {}); // refused and closed: the answer says why
  }

  /** Start an upload of `mib` MiB on a new connection; `end` finishes the body. */
  static async open(port: number, mib: number, end = false): Promise<Uploader> {
    return new Uploader(await Deno.connect({ hostname: "127.0.0.1", port }), mib, end);
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }
}

/** Until `value()` has not moved for half a second (or 20 s have passed). */
async function untilQuiet(value: () => number): Promise<void> {
  let last = value();
  for (let quiet = 0, rounds = 0; quiet < 5 && rounds < 200; rounds++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    quiet = value() === last ? quiet + 1 : 0;
    last = value();
  }
}

function budgetOf(proxy: TestProxy) {
  return proxy.proxy.bodyBudget;
}

Deno.test("proxy hostile body budget: 32 unfinished 15 MiB chunked bodies hold at most the budget of the proxy's memory", async () => {
  const bodyBudget = { bodyBudgetWaitMs: 2_000 }; // the default 128 MiB
  await withTestProxy({ policy: POLICY, identity, bodyBudget }, async (proxy, upstreams) => {
    const before = Deno.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 20);
    const uploads: Uploader[] = [];
    try {
      for (let i = 0; i < COUNT; i++) uploads.push(await Uploader.open(proxy.port, 15));
      // Each writer ends when all of its body went, or when its connection was refused; what
      // it wrote may still wait in the kernel until the proxy has read it all.
      await Promise.all(uploads.map((upload) => upload.written));
      await untilQuiet(() => peak);
      clearInterval(sampler);
      // Before, each connection held its body (and its dead copies): +475 MB for 24 of them,
      // and 512 connections could take 8 GiB. Now 128 MiB of bodies, the rest waited unread.
      const grown = peak - before;
      assert.ok(grown < 320 * MIB, `the proxy's process grew by ${grown >> 20} MiB`);
      const { held, limit } = budgetOf(proxy);
      assert.equal(limit, 128 * MIB);
      assert.ok(held <= limit && held >= 7 * 16 * MIB, `held ${held}`);
      // Those that waited past the deadline were told to come back.
      const answers = await Promise.all(
        uploads.map((upload) =>
          Promise.race([upload.answer, new Promise((r) => setTimeout(r, 200, "unanswered"))])
        ),
      );
      const refused = answers.filter((text) => /^HTTP\/1\.1 503 /.test(String(text)));
      assert.ok(
        refused.length >= COUNT - 8,
        JSON.stringify(answers.map((a) => String(a).slice(0, 40))),
      );
      for (const text of refused.map(String)) {
        assert.match(text, /\r\nRetry-After: 5\r\n/);
        assert.equal(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).error, "too_many_bodies");
      }
      assert.equal(upstreams.requests.length, 0);
    } finally {
      clearInterval(sampler);
      for (const upload of uploads) upload.close();
    }
    // The bodies still held are given back when their clients leave.
    await waitFor(() => budgetOf(proxy).held === 0, "the budget given back");
    assert.equal(budgetOf(proxy).waiting, 0);
  });
});

Deno.test("proxy hostile body budget: an honest 16 MiB chunked body is forwarded whole and its budget given back", async () => {
  await withTestProxy({ policy: POLICY, identity }, async (proxy, upstreams) => {
    const upload = await Uploader.open(proxy.port, 16, true);
    await upload.written;
    assert.match(await upload.answer, /^HTTP\/1\.1 200 /);
    upload.close();
    assert.equal(upstreams.requests.length, 1);
    assert.equal(upstreams.requests[0]?.body.length, 16 * MIB);
    await waitFor(() => budgetOf(proxy).held === 0, "the budget given back");
  });
});

Deno.test("proxy hostile body budget: every byte comes back when HTTP/1.1 bodies end by a close, an idle limit or the wait's deadline", async () => {
  const bodyBudget = { bodyBudgetBytes: 4 * MIB, bodyBudgetWaitMs: 1_000 };
  const limits = { idleTimeoutMs: 1_500, bodyBudget };
  await withTestProxy({ policy: POLICY, identity, ...limits }, async (proxy, upstreams) => {
    // Two 2 MiB bodies: the whole budget.
    const closed = await Uploader.open(proxy.port, 2);
    const stalled = await Uploader.open(proxy.port, 2);
    await Promise.all([closed.written, stalled.written]);
    await waitFor(() => budgetOf(proxy).held === 4 * MIB, "two bodies held");
    const waiting = await Uploader.open(proxy.port, 2);
    await waitFor(() => budgetOf(proxy).waiting === 1, "a third body waiting");
    waiting.close(); // gone while it waited: it leaves the queue by its deadline at the latest
    closed.close(); // gone mid-body: its request ends at once
    await waitFor(() => budgetOf(proxy).held <= 2 * MIB, "the closed body given back");
    // The stalled one ends at the body idle limit (408).
    assert.match(await stalled.answer, /^HTTP\/1\.1 408 /);
    stalled.close();
    await waitFor(() => budgetOf(proxy).held === 0, "the budget given back");
    await waitFor(() => budgetOf(proxy).waiting === 0, "no body waiting");
    assert.equal(upstreams.requests.length, 0);
  });
});

const H2_POST = (id: number, length: number) =>
  h2Headers(id, [
    ...h2RequestFields("POST", `/public/upload/${id}`),
    ["content-length", String(length)],
  ], { open: true });

Deno.test("proxy hostile body budget: HTTP/2 bodies for an HTTP/1.1 origin share the budget and give it back on reset", async () => {
  // The origin holds every answer: each body read stays held meanwhile.
  const answers = Promise.withResolvers<void>();
  const upstreams = await startTestUpstreams({ beforeResponse: () => answers.promise });
  // Room for two bodies and the third stream's windows (each stream counts them from its start).
  const bodyBudget = { bodyBudgetBytes: 2 * MIB + STREAM_WINDOW_HOLD, bodyBudgetWaitMs: 60_000 };
  const proxy = await startTestProxy({ policy: POLICY, identity, upstreams, bodyBudget });
  const streams = [1, 3, 5];
  const tls = await openH2Session(proxy);
  try {
    await tls.write(H2Uploads.wideOpen());
    for (const id of streams) await tls.write(H2_POST(id, MIB));
    const uploads = new H2Uploads(tls, streams, MIB);
    await uploads.pump(500);
    // Three 1 MiB bodies, room for two: the third waits with its window closed. Before, all
    // three were read whole (six at once per session, any number of sessions).
    assert.equal(uploads.complete(), 2, JSON.stringify([...uploads.sent.values()]));
    assert.equal(budgetOf(proxy).held, 2 * MIB + STREAM_WINDOW_HOLD);
    assert.equal(budgetOf(proxy).waiting, 1);
    assert.equal(upstreams.requests.length, 2);
    // A reset stream gives its share back: the third is read and sent.
    const done = streams.find((id) => uploads.sent.get(id) === MIB)!;
    await tls.write(h2Reset(done));
    await uploads.pump(500, () => uploads.complete() === 3);
    await waitFor(() => upstreams.requests.length === 3, "the third body sent");
    assert.equal(budgetOf(proxy).held, 2 * MIB);
    // The session goes: every stream's share comes back, answered or not.
    await uploads.close();
    await waitFor(() => budgetOf(proxy).held === 0, "the budget given back");
    assert.equal(budgetOf(proxy).waiting, 0);
  } finally {
    try {
      tls.close();
    } catch {
      // Closed with the uploads.
    }
    answers.resolve();
    await proxy.close();
    await upstreams.close();
  }
});
