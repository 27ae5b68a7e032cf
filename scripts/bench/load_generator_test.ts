import assert from "node:assert/strict";
import * as net from "node:net";
import { PAIR_BLOCK, runLoad } from "./load_generator.ts";
import { getRequest, plainOpener } from "./http_rows.ts";

/** A keep-alive HTTP server on loopback that logs which server answered, in order. */
async function tinyServer(name: string, log: string[]): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let pending = "";
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1");
      for (let end = pending.indexOf("\r\n\r\n"); end !== -1; end = pending.indexOf("\r\n\r\n")) {
        pending = pending.slice(end + 4);
        log.push(name);
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

/** A paired run of `maxRequests` against `mine`, in turns with `other`. */
function pairedRun(mine: net.Server, other: net.Server, maxRequests: number) {
  const request = getRequest("bench.test", "/ok");
  return runLoad({
    mode: "keep-alive",
    open: plainOpener(portOf(mine)),
    request,
    expectStatus: 200,
    maxRequests,
    maxMs: 10_000,
    paired: { open: plainOpener(portOf(other)), request },
  });
}

Deno.test("runLoad() with paired times both targets in turns of PAIR_BLOCK", async () => {
  const log: string[] = [];
  const [a, b] = [await tinyServer("a", log), await tinyServer("b", log)];
  try {
    const result = await pairedRun(a, b, 4 * PAIR_BLOCK);
    assert.equal(result.samples, 4 * PAIR_BLOCK);
    assert.equal(result.errors, 0);
    assert.equal(result.paired?.samples, 4 * PAIR_BLOCK);
    assert.equal(result.paired?.errors, 0);
    assert.ok(result.reqPerSec > 0 && result.paired!.reqPerSec > 0);
    const turns = Array.from({ length: 8 }, (_, i) => i % 2 === 0 ? "a" : "b")
      .flatMap((name) => Array<string>(PAIR_BLOCK).fill(name));
    assert.deepEqual(log, turns);
  } finally {
    await Promise.all([a, b].map((s) => new Promise((resolve) => s.close(resolve))));
  }
});

Deno.test("runLoad() with paired counts the other side's failures apart", async () => {
  const log: string[] = [];
  const a = await tinyServer("a", log);
  const refused = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => refused.listen(0, "127.0.0.1", resolve));
  try {
    const result = await pairedRun(a, refused, PAIR_BLOCK);
    assert.equal(result.samples, PAIR_BLOCK);
    assert.equal(result.errors, 0);
    assert.equal(result.paired?.samples, 0);
    assert.equal(result.paired?.errors, PAIR_BLOCK);
  } finally {
    await Promise.all([a, refused].map((s) => new Promise((resolve) => s.close(resolve))));
  }
});
