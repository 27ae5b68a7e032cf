/**
 * A hostile agent's HTTP/2 streams whose bodies the proxy cannot pass on (an origin that reads
 * nothing): each holds its flow-control windows' worth in the proxy, unread, so 100 streams on
 * each of 512 connections could make the proxy hold gigabytes outside the body budget. Now each
 * stream with a body counts its windows in the body budget while it is open, and a stream that
 * finds no room is answered 503 at once, before its window fills.
 */
import assert from "node:assert/strict";
import { STREAM_WINDOW_HOLD } from "../proxy/transport/h2/h2_intercept.ts";
import { H2_STREAM_WINDOW } from "../proxy/transport/connection/h2_windows.ts";
import {
  h2Headers,
  h2RequestFields,
  openH2Session,
  startH2Origin,
  type TestUpstreams,
  waitFor,
} from "./support/mod.ts";
import { ghPublicPolicy, withGhOrigin } from "./proxy_hostile_fixtures.ts";
import { H2Uploads } from "./h2_uploads.ts";

const MIB = 1024 * 1024;
const BUDGET = 4 * MIB;
const POLICY = ghPublicPolicy("POST");

/** An HTTP/2 origin that takes every stream and reads none of it. */
const deafOrigin = (upstreams: TestUpstreams) =>
  startH2Origin(upstreams, ["api.github.com"], (stream) => void stream.pause());

Deno.test("proxy hostile h2: bodies an origin does not read count in the body budget, and streams beyond it are refused at once", async () => {
  const bodyBudget = { bodyBudgetBytes: BUDGET, bodyBudgetWaitMs: 100 };
  await withGhOrigin({ policy: POLICY, start: deafOrigin, bodyBudget }, async ({ proxy }) => {
    const streams = Array.from({ length: 100 }, (_, i) => 1 + 2 * i);
    const tls = await openH2Session(proxy);
    const uploads = new H2Uploads(tls, streams, STREAM_WINDOW_HOLD);
    try {
      await tls.write(H2Uploads.wideOpen());
      for (const id of streams) {
        const fields = h2RequestFields("POST", `/public/up/${id}`);
        await tls.write(h2Headers(id, fields, { open: true }));
      }
      await uploads.pump(1_000);
      // Before, nothing counted these streams: all 100 went upstream and each held what its
      // windows let through (about 192 KiB), the budget showing 0 held.
      const { held, limit } = proxy.proxy.bodyBudget;
      const admitted = Math.floor(BUDGET / STREAM_WINDOW_HOLD);
      assert.equal(limit, BUDGET);
      assert.equal(held, admitted * STREAM_WINDOW_HOLD, `held ${held}`);
      // The rest were answered (503, Retry-After) as soon as they came.
      assert.equal(uploads.ended.size, streams.length - admitted);
    } finally {
      await uploads.close();
    }
    // Every byte comes back once the client leaves.
    await waitFor(() => proxy.proxy.bodyBudget.held === 0, "the budget given back");
  });
});

/** Its stream window; what it holds unread of a stream is at most this, outside the proxy. */
const ORIGIN_WINDOW = 65_535;

Deno.test("proxy hostile h2: what a stream's body holds in the proxy, relayed to an origin that stops reading, stays within what the body budget counts for it", async () => {
  // Stream i is read for (i + 1) x 300 kB, then no more: each stops at another point of its flow.
  const read = new Map<number, number>();
  const start = (upstreams: TestUpstreams) =>
    startH2Origin(upstreams, ["api.github.com"], (stream, headers) => {
      const id = Number(String(headers[":path"]).split("/").pop());
      const limit = ((id + 1) / 2) * 300_000;
      stream.on("data", (chunk: Uint8Array) => {
        read.set(id, (read.get(id) ?? 0) + chunk.byteLength);
        if (read.get(id)! >= limit) stream.pause();
      });
    }, { initialWindowSize: ORIGIN_WINDOW });
  await withGhOrigin({ policy: POLICY, start }, async ({ proxy }) => {
    const streams = Array.from({ length: 8 }, (_, i) => 1 + 2 * i);
    const tls = await openH2Session(proxy);
    // More than any stream is read: each sends what the proxy lets in until the proxy holds it.
    const uploads = new H2Uploads(tls, streams, 8 * MIB);
    try {
      await tls.write(H2Uploads.wideOpen());
      for (const id of streams) {
        const fields = h2RequestFields("POST", `/public/up/${id}`);
        await tls.write(h2Headers(id, fields, { open: true }));
      }
      await uploads.pump(1_000);
      for (const [id, sent] of uploads.sent) {
        // Sent and not read by the origin: in the proxy, or unread in the origin's window.
        const inProxy = sent - (read.get(id) ?? 0) - ORIGIN_WINDOW;
        // 256 KiB windows with the 256 KiB hold that 64 KiB windows had: up to 336 KiB got in.
        assert.ok(
          inProxy <= STREAM_WINDOW_HOLD,
          `stream ${id}: ${inProxy} > ${STREAM_WINDOW_HOLD}`,
        );
        // The stream's window is as wide as the proxy says (it moved on when read).
        assert.ok(sent >= H2_STREAM_WINDOW, `stream ${id} sent ${sent}`);
      }
      assert.equal(proxy.proxy.bodyBudget.held, streams.length * STREAM_WINDOW_HOLD);
    } finally {
      await uploads.close();
    }
    await waitFor(() => proxy.proxy.bodyBudget.held === 0, "the budget given back");
  });
});
