import assert from "node:assert/strict";
import { Duplex, PassThrough } from "node:stream";
import type { Decision } from "../policy/mod.ts";
import { BodyBudget } from "../wire/mod.ts";
import { dataFrame } from "../websocket/mod.ts";
import { relayJudged } from "./websocket_relay.ts";

const allow: Decision = { verdict: "allow", layer: "l7", reason: "ok", host: "h", port: 80 };

/** A socket made of two pipes: what the relay writes, and what the test feeds it. */
function end() {
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: Uint8Array[] = [];
  output.on("data", (c: Uint8Array) => chunks.push(c));
  return { socket: Duplex.from({ readable: input, writable: output }), input, output, chunks };
}

function fragment(text: string): Uint8Array {
  const f = dataFrame(1, new TextEncoder().encode(text), true);
  f[0] = 0x01; // text, no FIN: more to come
  return f;
}

async function relayUntilClosed(
  options: Partial<Parameters<typeof relayJudged>[2]>,
  first: Uint8Array,
) {
  const client = end();
  const origin = end();
  const relaying = relayJudged(client.socket, origin.socket, {
    judge: () => Promise.resolve(allow),
    ...options,
  });
  client.input.write(first);
  // Still open after 5 s: the relay never ended it (the test fails on the missing close).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)));
  await Promise.race([relaying, open]);
  clearTimeout(timer);
  client.socket.destroy();
  origin.socket.destroy();
  const code = (bytes: Uint8Array[]) => {
    const all = new Uint8Array(bytes.flatMap((b) => [...b]));
    return all[0] === 0x88
      ? (all[all[1]! & 0x80 ? 6 : 2]! << 8 | all[all[1]! & 0x80 ? 7 : 3]!)
      : undefined;
  };
  return { toClient: code(client.chunks), originBytes: origin.chunks.length };
}

Deno.test("relayJudged() closes a text message that stalls mid-way with 1002; the origin gets only the close", async () => {
  // A client that starts a message and never ends it would hold its bytes for ever.
  const { toClient, originBytes } = await relayUntilClosed({ assemblyIdleMs: 20 }, fragment("abc"));
  assert.equal(toClient, 1002);
  assert.equal(originBytes, 1); // the masked close frame
});

Deno.test("relayJudged() refuses a message the body budget has no room for with 1013", async () => {
  const budget = new BodyBudget({ limitBytes: 1024, waitMs: 0 });
  const { toClient } = await relayUntilClosed({ budget }, fragment("x".repeat(2048)));
  assert.equal(toClient, 1013);
  // What it held went back.
  assert.ok(budget.tryTake(1024));
});
