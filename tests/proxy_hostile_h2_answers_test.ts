/**
 * A hostile agent's HTTP/2 sessions that open 100 answer streams each and read none of them
 * (no WINDOW_UPDATE ever): each stream's answer holds its upstream window and buffers in the
 * proxy, so sessions × streams made the proxy hold an unbounded amount (10 sessions of 100
 * streams took it to +592 MB). Now every answer stream reserves its hold before its request
 * goes upstream: within its session's share, then the proxy-wide answer budget; past that the
 * stream is refused with RST_STREAM REFUSED_STREAM, the request never sent. Every session still
 * gets one stream, so another client's download is answered whole meanwhile.
 */
import assert from "node:assert/strict";
import type * as http2 from "node:http2";
import { ANSWER_STREAM_HOLD } from "../proxy/transport/connection/answer_budget.ts";
import {
  H2,
  H2FrameSplitter,
  h2Headers,
  h2RequestFields,
  nodeH2Requests,
  openH2Session,
  startH2Origin,
  type TestUpstreams,
  waitFor,
} from "./support/mod.ts";
import { ghPublicPolicy, withGhOrigin } from "./proxy_hostile_fixtures.ts";

const MIB = 1024 * 1024;
const ANSWER = 4 * MIB;
const SESSIONS = 4;
const STREAMS = 100;
const BUDGET = 4 * MIB;
const POLICY = ghPublicPolicy("GET");
const REFUSED_STREAM = 7;

/** Answer every stream with `ANSWER` bytes as fast as its flow control allows. */
function answerBig(stream: http2.ServerHttp2Stream, written: Map<http2.Http2Stream, number>) {
  const piece = new Uint8Array(64 * 1024).fill(0x61);
  stream.respond({ ":status": 200, "content-length": ANSWER });
  let left = ANSWER;
  const pump = () => {
    for (; left > 0; left -= piece.byteLength) {
      written.set(stream, (written.get(stream) ?? 0) + piece.byteLength);
      if (!stream.write(piece)) return void (left -= piece.byteLength, stream.once("drain", pump));
    }
    stream.end();
  };
  pump();
}

/** Count RST_STREAM REFUSED_STREAM frames read off `conn` (reading grants no window). */
async function countRefused(conn: Deno.Conn, refused: { count: number }): Promise<void> {
  const splitter = new H2FrameSplitter();
  try {
    for await (const value of conn.readable) {
      for (const { type, payload } of splitter.push(value)) {
        const code = payload.byteLength === 4 ? new DataView(payload.buffer).getUint32(0) : -1;
        if (type === H2.RST_STREAM && code === REFUSED_STREAM) refused.count++;
      }
    }
  } catch {
    // Closed by the test.
  }
}

Deno.test("proxy hostile h2: sessions that open many answer streams and read none hold a bounded amount, and another client is still answered", async () => {
  const written = new Map<http2.Http2Stream, number>();
  const start = (upstreams: TestUpstreams) =>
    startH2Origin(upstreams, ["api.github.com"], (s) => answerBig(s, written));
  const answerBudget = { answerBudgetBytes: BUDGET, answerBudgetWaitMs: 200 };
  await withGhOrigin({ policy: POLICY, start, answerBudget }, async ({ proxy }) => {
    const conns: Deno.TlsConn[] = [];
    const refused = { count: 0 };
    const readers: Promise<void>[] = [];
    // What the origin handed to its sessions (written, less what still waits in its streams).
    const handedOver = () =>
      [...written].reduce((sum, [stream, n]) => sum + n - stream.writableLength, 0);
    try {
      for (let s = 0; s < SESSIONS; s++) {
        const tls = await openH2Session(proxy);
        conns.push(tls);
        readers.push(countRefused(tls, refused));
        for (let i = 0; i < STREAMS; i++) {
          const fields = h2RequestFields("GET", `/public/big/${s}/${i}`);
          await tls.write(h2Headers(1 + 2 * i, fields));
        }
      }
      // Each session's first stream, then as many as the budget holds; the rest are refused once
      // their wait is over (no session reaches its own share).
      const admitted = SESSIONS + Math.floor(BUDGET / ANSWER_STREAM_HOLD);
      const refusals = SESSIONS * STREAMS - admitted;
      await waitFor(() => refused.count === refusals, `${refusals} refusals (${refused.count})`);
      const bound = BUDGET + (SESSIONS + 1) * ANSWER_STREAM_HOLD; // the budget, a stream a session
      // Before, every stream took its window and more: 134 MB handed over, nothing counted.
      assert.ok(handedOver() <= bound, `the origin handed over ${handedOver()} > ${bound}`);
      const { held } = proxy.proxy.answerBudget;
      assert.ok(held > 0 && held <= bound, `held ${held} > ${bound}`);
      // Another client's download is answered whole meanwhile (its session's first stream).
      const get = [{ method: "GET", path: "/public/big/honest" }];
      const result = await nodeH2Requests(proxy.port, "api.github.com", proxy.caPath, get);
      assert.equal(result.responses[0]?.status, 200, result.stderr);
      assert.equal(result.responses[0]?.body.length, ANSWER);
      assert.ok(handedOver() <= bound + ANSWER, `the origin handed over ${handedOver()}`);
      // Refused streams were never sent upstream: the origin saw only the admitted ones.
      assert.equal(written.size, admitted + 1);
      assert.equal(refused.count, refusals);
    } finally {
      for (const conn of conns) conn.close();
      await Promise.all(readers);
    }
    // Every reservation is given back once the clients leave.
    await waitFor(() => proxy.proxy.answerBudget.held === 0, "the answer budget given back");
  });
});
