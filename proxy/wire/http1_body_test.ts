import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { ByteStream } from "./byte_stream.ts";
import { ProtocolError } from "./protocol_error.ts";
import { CHUNK_FRAMING_ALLOWANCE, readChunkedBody, relayChunked } from "./http1_body.ts";

function streamOf(text: string): { stream: ByteStream; input: PassThrough } {
  const input = new PassThrough();
  const stream = new ByteStream(input);
  input.end(new TextEncoder().encode(text));
  return { stream, input };
}

Deno.test("readChunkedBody() refuses a body whose framing outweighs its data", async () => {
  const ones = streamOf("1\r\nx\r\n".repeat(CHUNK_FRAMING_ALLOWANCE / 2) + "0\r\n\r\n");
  await assert.rejects(readChunkedBody(ones.stream, 1 << 20), {
    name: "ProtocolError",
    message: /framing outweighs/,
  });
  const extension = `1;${"e".repeat(4000)}\r\nx\r\n`;
  const extended = streamOf(extension.repeat(40) + "0\r\n\r\n");
  await assert.rejects(readChunkedBody(extended.stream, 1 << 20), ProtocolError);
  ones.input.destroy();
  extended.input.destroy();
});

Deno.test("readChunkedBody() accepts many small chunks that carry more data than framing", async () => {
  const count = 100_000;
  const { stream, input } = streamOf("8\r\nabcdefgh\r\n".repeat(count) + "0\r\n\r\n");
  const body = await readChunkedBody(stream, 16 << 20);
  assert.equal(body.byteLength, 8 * count);
  assert.equal(new TextDecoder().decode(body.subarray(0, 16)), "abcdefghabcdefgh");
  // A few tiny chunks are fine: the allowance covers ordinary clients.
  const few = streamOf("1\r\na\r\n".repeat(100) + "0\r\n\r\n");
  assert.equal((await readChunkedBody(few.stream, 1 << 20)).byteLength, 100);
  input.destroy();
  few.input.destroy();
});

Deno.test("relayChunked() gives other work a turn during a long run of chunks", async () => {
  const { stream, input } = streamOf("1\r\nx\r\n".repeat(200_000) + "0\r\n\r\n");
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  let bytes = 0;
  await relayChunked(stream, (piece) => void (bytes += piece.byteLength));
  clearInterval(ticker);
  assert.equal(bytes, 6 * 200_000 + 5);
  assert.ok(ticks > 0, "a timer ran while the chunks were walked");
  input.destroy();
});
