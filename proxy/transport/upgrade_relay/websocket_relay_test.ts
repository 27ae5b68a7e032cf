import assert from "node:assert/strict";
import { Duplex, PassThrough } from "node:stream";
import type { Decision } from "../../policy/mod.ts";
import { BodyBudget } from "../../wire/mod.ts";
import { dataFrame } from "../../websocket/mod.ts";
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

/** One chunk of `count` empty masked frames (text messages unless told), as a flood. */
function emptyMessages(count: number, opcode = 1): Uint8Array {
  const one = dataFrame(opcode, new Uint8Array(0), true);
  const chunk = new Uint8Array(one.byteLength * count);
  for (let i = 0; i < count; i++) chunk.set(one, i * one.byteLength);
  return chunk;
}

/**
 * Relay `chunk` from the client, as one read, with a timer set as the relay starts; returns
 * the relay's upstream writes and whether the timer ran before the last byte was written.
 */
async function relayChunk(chunk: Uint8Array, count: number) {
  const client = new Duplex({ read() {}, write: (_b, _e, done) => done() });
  let [writes, received, fired, firedBeforeEnd] = [0, 0, false, false];
  // An origin socket that always takes more (a write never waits for a drain), as a kernel
  // buffer with room does.
  const origin = new Duplex({
    writableHighWaterMark: 1 << 30,
    read() {},
    write(bytes: Uint8Array, _encoding, done) {
      writes++;
      received += bytes.byteLength;
      // Each relayed empty message is a 6-byte masked frame.
      if (received === count * 6) firedBeforeEnd = fired;
      done();
    },
  });
  const timer = setTimeout(() => (fired = true), 0);
  const relaying = relayJudged(client, origin, {
    judge: () => Promise.resolve(allow),
    early: [chunk],
  });
  while (received < count * 6) await new Promise((resolve) => setTimeout(resolve, 1));
  clearTimeout(timer);
  client.destroy();
  origin.destroy();
  await relaying;
  return { writes, firedBeforeEnd };
}

Deno.test("relayJudged() gives the event loop a turn within a chunk of many messages", async () => {
  // One 30 KB read of 5,000 empty messages is 5,000 decisions: before, all of them ran before
  // any timer or other client's read (seconds of a busy proxy's event loop per chunk).
  const { firedBeforeEnd } = await relayChunk(emptyMessages(5000), 5000);
  assert.ok(firedBeforeEnd, "no timer ran while the chunk was relayed");
});

Deno.test("relayJudged() writes the messages of a chunk upstream together, not one write each", async () => {
  // Before, 1,000 writes of 6 bytes: each a socket write op whose buffer lived until it ran.
  const { writes } = await relayChunk(emptyMessages(1000), 1000);
  assert.ok(writes <= 20, `${writes} writes`);
});

Deno.test("relayJudged() gives the event loop a turn within a chunk of many pings", async () => {
  // Control frames are not judged, but reading 100,000 of them is work too.
  const { firedBeforeEnd } = await relayChunk(emptyMessages(100_000, 9), 100_000);
  assert.ok(firedBeforeEnd, "no timer ran while the chunk was relayed");
});
