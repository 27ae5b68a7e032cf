import assert from "node:assert/strict";
import type * as net from "node:net";
import { ResilientListener } from "../proxy/listener/mod.ts";

/**
 * A python process that opens `count` connections to `port` without waiting for any, writes
 * `done` once every connect is under way, and holds them for 20 s.
 */
function flood(port: number, count: number, done: string): Deno.ChildProcess {
  const script = `
import socket, sys, time
held = []
for _ in range(${count}):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("127.0.0.1", ${port}))
    except BlockingIOError: pass
    held.append(s)
open(${JSON.stringify(done)}, "w").write("sent")
time.sleep(20)
`;
  return new Deno.Command("python3", { args: ["-c", script], stdout: "null" }).spawn();
}

/** Hold the event loop (no accept, no timer) until `done` exists, then `more` ms longer. */
function stallUntil(done: string, more: number): void {
  const start = performance.now();
  for (;;) {
    try {
      Deno.statSync(done);
      break;
    } catch {
      if (performance.now() - start > 30_000) throw new Error("the flood never started");
    }
  }
  const until = performance.now() + more;
  while (performance.now() < until) { /* still stalled */ }
}

Deno.test("a full backlog behind a stalled loop does not hold queued clients behind the listener's probe", async () => {
  const handed: number[] = [];
  const listener = await ResilientListener.open({
    hostname: "127.0.0.1",
    port: 0,
    checkMs: 100,
    onConnection: (socket: net.Socket) => {
      handed.push(performance.now());
      socket.on("error", () => {});
      socket.destroy();
    },
    shortOfDescriptors: () => false,
  });
  const done = await Deno.makeTempFile();
  await Deno.remove(done);
  // More connections than the backlog holds: the queue is full when the loop comes back, so the
  // probe the overdue check sends has its SYN dropped and waits a second for the retry.
  const hostile = flood(listener.port, 1_500, done);
  try {
    stallUntil(done, 300);
    const back = performance.now();
    while (handed.length === 0 && performance.now() - back < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const first = handed[0]! - back;
    // Before, every client accepted while the probe's connect was pending waited for it: the
    // first was handed on only after the probe's SYN retry (1 s); now at once.
    assert.ok(first < 700, `first queued client handed on after ${first.toFixed(0)} ms`);
  } finally {
    hostile.kill();
    await hostile.status;
    await Deno.remove(done).catch(() => {});
    await listener.close();
  }
});
