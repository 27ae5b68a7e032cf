import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { ByteStream } from "./byte_stream.ts";

Deno.test("ByteStream.forward() frees a relayed piece once its socket took it", async () => {
  const socket = new PassThrough();
  const out = new ByteStream(socket);
  const piece = new Uint8Array(64 * 1024).fill(7);
  await out.forward(piece);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(piece.buffer.byteLength, 0, "the piece's buffer is detached (freed)");
  out.destroy();
});

Deno.test("ByteStream.forward() only writes a piece that shares its buffer", async () => {
  const socket = new PassThrough();
  const out = new ByteStream(socket);
  const chunk = new Uint8Array(64 * 1024).fill(7);
  const [head, rest] = [chunk.subarray(0, 100), chunk.subarray(100)];
  await out.forward(head);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(chunk.buffer.byteLength, 64 * 1024, "the rest of the buffer stays readable");
  assert.equal(rest[0], 7);
  out.destroy();
});
