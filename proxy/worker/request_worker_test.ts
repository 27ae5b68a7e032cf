import assert from "node:assert/strict";
import { RequestWorker } from "./request_worker.ts";

/** A worker module from source: it echoes `n`, and throws on `n < 0`. */
function moduleUrl(): string {
  const source = `let started = Date.now() + Math.random();
onmessage = ({ data }) => {
  if (data.n < 0) throw new Error("negative");
  postMessage({ id: data.id, n: data.n, started });
};`;
  return URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
}

type Echo = { n: number; started: number };

Deno.test("RequestWorker matches each reply to its request and keeps one worker", async () => {
  using worker = new RequestWorker<{ n: number }, Echo>({ url: moduleUrl(), name: "Echo" });
  const replies = await Promise.all([1, 2, 3].map((n) => worker.request({ n })));
  assert.deepEqual(replies.map((reply) => reply.n), [1, 2, 3]);
  assert.equal(new Set(replies.map((reply) => reply.started)).size, 1);
});

Deno.test("RequestWorker rejects what a failed worker held and starts a fresh one", async () => {
  using worker = new RequestWorker<{ n: number }, Echo>({ url: moduleUrl(), name: "Echo" });
  const before = await worker.request({ n: 1 });
  const held = worker.request({ n: 2 });
  await assert.rejects(worker.request({ n: -1 }), /Echo failed: .*negative/);
  // The request queued behind the failing one may have been answered first, never lost.
  await held.then(
    (reply) => assert.equal(reply.n, 2),
    (error) => assert.match(error.message, /Echo failed/),
  );
  const after = await worker.request({ n: 4 });
  assert.equal(after.n, 4);
  assert.notEqual(after.started, before.started);
});

Deno.test("RequestWorker.close() fails what waits", async () => {
  const worker = new RequestWorker<{ n: number }, Echo>({ url: moduleUrl(), name: "Echo" });
  const waiting = worker.request({ n: 1 });
  worker.close();
  await assert.rejects(waiting, /Echo closed/);
});
