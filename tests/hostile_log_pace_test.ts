/**
 * The pace of a sandbox's audit log. Every decision is an OCSF event, and a client drives
 * decisions as fast as it can send requests: HTTP/2 streams denied one after another on one
 * session (each denial also copied into the denials file) made a proxy write 6 MB of log a
 * second here, bounded by nothing but `--log-keep-days`. Now each event spends its bytes from
 * the sandbox's pace (`ProxyOptions.auditPace`), and a decision that finds it spent waits: every
 * denial is still an event of its own, written before its 403, and the log grows no faster
 * than the pace.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  H2,
  H2FrameSplitter,
  h2Headers,
  h2RequestFields,
  openH2Session,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
} from "./support/mod.ts";
import { logBytesOf } from "../proxy/ocsf/mod.ts";

const policy = `version: 1
network_policies:
  gh: { endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }] }
`;

const PACE = { bytesPerSecond: 20_000, burstBytes: 20_000 };

/** Send `count` requests of `method` on one HTTP/2 session, 25 at a time; the answers' count. */
async function h2Requests(proxy: TestProxy, method: string, count: number): Promise<number> {
  const tls = await openH2Session(proxy);
  // Room for every answer: a 2 GiB stream window and as much for the session.
  const settings = [0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 4, 0x7f, 0xff, 0xff, 0xff];
  const windowUpdate = [0, 0, 4, 8, 0, 0, 0, 0, 0, 0x7f, 0xff, 0, 0];
  await tls.write(new Uint8Array([...settings, ...windowUpdate]));
  const splitter = new H2FrameSplitter();
  let answered = 0;
  const buffer = new Uint8Array(65536);
  try {
    for (let next = 1; answered < count;) {
      const batch = Math.min(25, count - answered);
      const frames = Array.from(
        { length: batch },
        (_, i) => h2Headers(next + 2 * i, h2RequestFields(method, `/repos/o/r/${next + 2 * i}`)),
      );
      next += 2 * batch;
      await tls.write(Buffer.concat(frames));
      for (let ended = 0; ended < batch;) {
        const n = await tls.read(buffer);
        if (n === null) throw new Error(`session closed after ${answered} answers`);
        for (const frame of splitter.push(buffer.slice(0, n))) {
          if (frame.type === H2.GOAWAY) throw new Error("GOAWAY");
          const data = frame.type === H2.DATA || frame.type === H2.HEADERS;
          if (data && frame.flags & H2.END_STREAM) ended++, answered++;
        }
      }
    }
  } finally {
    tls.close();
  }
  return answered;
}

async function withPacedProxy(run: (proxy: TestProxy) => Promise<void>): Promise<void> {
  const upstreams = await startTestUpstreams();
  const proxy = await startTestProxy({ policy, upstreams, auditPace: PACE });
  try {
    await run(proxy);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
}

Deno.test("hostile log pace: HTTP/2 streams denied one after another are each an event, written no faster than the sandbox's pace", async () => {
  await withPacedProxy(async (proxy) => {
    const before = proxy.events.length;
    const started = performance.now();
    const answered = await h2Requests(proxy, "DELETE", 150);
    const seconds = (performance.now() - started) / 1000;
    const events = proxy.events.slice(before);
    const denials = events.filter((e) => e.action_id === 2);
    assert.equal(answered, 150);
    assert.equal(denials.length, 150, "every denial is an event of its own");
    const bytes = events.reduce((sum, e) => sum + logBytesOf(e), 0);
    // The pace's promise: what was written fits its burst and its rate over the time taken
    // (one event over: the last one charged before its wait).
    const most = PACE.burstBytes + PACE.bytesPerSecond * seconds + logBytesOf(denials[0]!);
    assert.ok(bytes <= most, `${bytes} bytes of log in ${seconds.toFixed(2)} s (at most ${most})`);
  });
});

Deno.test("hostile log pace: allowed requests keep the pace too, each an event", async () => {
  await withPacedProxy(async (proxy) => {
    const before = proxy.events.length;
    const started = performance.now();
    assert.equal(await h2Requests(proxy, "GET", 300), 300);
    const seconds = (performance.now() - started) / 1000;
    const events = proxy.events.slice(before);
    assert.equal(events.filter((e) => e.class_uid === 4002 && e.action_id === 1).length, 300);
    const bytes = events.reduce((sum, e) => sum + logBytesOf(e), 0);
    const most = PACE.burstBytes + PACE.bytesPerSecond * seconds + logBytesOf(events[0]!);
    assert.ok(bytes <= most, `${bytes} bytes of log in ${seconds.toFixed(2)} s (at most ${most})`);
  });
});
