import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { ByteStream } from "./byte_stream.ts";
import { ProtocolError, ReadTimeoutError } from "./protocol_error.ts";
import { parseRequestHead, parseResponseHead } from "./http1_head.ts";
import { BodyTooLargeError, readChunkedBody, relayChunked } from "./http1_body.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const timeouts = { idleMs: 1000, headMs: 1000 };

Deno.test("parseRequestHead() accepts well-formed requests", () => {
  const result = parseRequestHead(
    encode("POST http://a.test/x?y=1 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\n"),
  );
  assert.ok(result.ok);
  assert.equal(result.head.method, "POST");
  assert.equal(result.head.target, "http://a.test/x?y=1");
  assert.deepEqual(result.head.framing, { kind: "length", length: 5 });
  assert.equal(result.head.keepAlive, true);
  const chunked = parseRequestHead(
    encode(
      "\r\nPUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n",
    ),
  );
  assert.ok(chunked.ok);
  assert.deepEqual(chunked.head.framing, { kind: "chunked" });
  assert.equal(chunked.head.keepAlive, false);
  const old = parseRequestHead(encode("GET / HTTP/1.0\r\n\r\n"));
  assert.ok(old.ok && !old.head.keepAlive);
});

Deno.test("parseRequestHead() refuses smuggling and malformed heads", () => {
  const cases: [string, string, number][] = [
    ["GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", "Bare LF", 400],
    ["GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", "Bare CR", 400],
    ["GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n  folded\r\n\r\n", "folding", 400],
    [
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "Both",
      400,
    ],
    [
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
      "Duplicate",
      400,
    ],
    ["GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", "Malformed Content-Length", 400],
    ["GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "Malformed Content-Length", 400],
    ["GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "Unsupported", 400],
    [
      "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      "Unsupported",
      400,
    ],
    ["GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.0", 400],
    ["GET / HTTP/1.1\r\nHost : a\r\n\r\n", "name", 400],
    ["GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", "Control", 400],
    ["GET / HTTP/1.1\r\n\r\n", "without a Host", 400],
    ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "More than one Host", 400],
    ["GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "request line", 400],
    ["GET / HTTP/2.0\r\nHost: a\r\n\r\n", "Only HTTP/1.0", 505],
    ["G@T / HTTP/1.1\r\nHost: a\r\n\r\n", "method", 400],
  ];
  for (const [text, detail, status] of cases) {
    const result = parseRequestHead(encode(text));
    assert.ok(!result.ok, JSON.stringify(text));
    assert.equal(result.error.status, status, JSON.stringify(text));
    assert.match(result.error.detail, new RegExp(detail), JSON.stringify(text));
  }
});

Deno.test("parseResponseHead() derives framing from status, method and headers", () => {
  const framing = (text: string, method = "GET") => {
    const result = parseResponseHead(encode(text), method);
    return result.ok ? result.head.framing.kind : result.error.detail;
  };
  assert.equal(framing("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD"), "none");
  assert.equal(framing("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"), "none");
  assert.equal(framing("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), "length");
  assert.equal(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), "chunked");
  assert.equal(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"), "close");
  assert.equal(framing("HTTP/1.1 200 OK\r\n\r\n"), "close");
  assert.equal(framing("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), "none");
  // One value, a list that agrees, a list that does not, a value that is not a number.
  assert.equal(framing("HTTP/1.1 200 OK\r\nContent-Length: 10, 10\r\n\r\n"), "length");
  assert.match(framing("HTTP/1.1 200 OK\r\nContent-Length: 1,2\r\n\r\n"), /Conf/);
  assert.match(framing("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"), /Malformed/);
  assert.match(
    framing("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
    /Conf/,
  );
  assert.match(framing("HTTP/1.1 200 OK\nContent-Length: 1\r\n\r\n"), /Bare LF/);
  const closing = parseResponseHead(encode("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), "GET");
  assert.ok(closing.ok && !closing.head.keepAlive);
  // Framing that two readers may take two ways: refused, or never kept alive.
  const both = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n";
  assert.match(framing(both), /Both Content-Length and Transfer-Encoding/);
  const old = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n";
  const faulty = parseResponseHead(encode(old), "GET");
  assert.ok(faulty.ok && faulty.head.framing.kind === "chunked" && !faulty.head.keepAlive);
  assert.match(framing("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "CONNECT"), /tunnel/);
  assert.equal(framing("HTTP/1.1 405 No\r\nContent-Length: 2\r\n\r\n", "CONNECT"), "length");
});

function streamOf(...parts: string[]): { stream: ByteStream; input: PassThrough } {
  const input = new PassThrough();
  for (const part of parts) input.write(encode(part));
  return { stream: new ByteStream(input), input };
}

Deno.test("ByteStream.readHead() splits heads and keeps the rest queued", async () => {
  const { stream, input } = streamOf(
    "GET / HTTP/1.1\r\nHo",
    "st: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
  );
  const first = await stream.readHead(8192, timeouts);
  assert.equal(first.kind, "head");
  assert.equal(decode((first as { bytes: Uint8Array }).bytes), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  const second = await stream.readHead(8192, timeouts);
  assert.equal(decode((second as { bytes: Uint8Array }).bytes), "GET /2 HTTP/1.1\r\n\r\n");
  input.end();
  assert.equal((await stream.readHead(8192, timeouts)).kind, "eof");
  input.destroy();
});

Deno.test("ByteStream.readHead() reports oversized heads, bare LF and timeouts", async () => {
  const big = streamOf(`GET / HTTP/1.1\r\nX: ${"a".repeat(9000)}`);
  assert.equal((await big.stream.readHead(8192, timeouts)).kind, "too_large");
  big.input.destroy();
  const whole = streamOf(`GET / HTTP/1.1\r\nX: ${"a".repeat(9000)}\r\n\r\n`);
  assert.equal((await whole.stream.readHead(8192, timeouts)).kind, "too_large");
  whole.input.destroy();
  const lf = streamOf("GET / HTTP/1.1\nHost: a\n\n");
  assert.equal((await lf.stream.readHead(8192, timeouts)).kind, "bare_lf");
  lf.input.destroy();
  const slow = streamOf("GET / HTTP/1.1\r\n");
  assert.deepEqual(await slow.stream.readHead(8192, { idleMs: 50, headMs: 50 }), {
    kind: "timeout",
    partial: true,
  });
  slow.input.destroy();
  const idle = streamOf();
  assert.deepEqual(await idle.stream.readHead(8192, { idleMs: 20, headMs: 50 }), {
    kind: "timeout",
    partial: false,
  });
  idle.input.destroy();
});

Deno.test("readChunkedBody() decodes valid bodies and refuses invalid framing", async () => {
  const ok = streamOf("5\r\nhel", "lo\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT");
  assert.equal(decode(await readChunkedBody(ok.stream, 100)), "hello world");
  assert.equal(decode((await ok.stream.read())!), "NEXT");
  ok.input.destroy();
  const bad = ["5\r\nhelloX\r\n0\r\n\r\n", "z\r\n", "5\nhello\r\n", "-1\r\n", "5\r\nhel"];
  for (const text of bad) {
    const { stream, input } = streamOf(text);
    input.end();
    await assert.rejects(readChunkedBody(stream, 100), ProtocolError, JSON.stringify(text));
    input.destroy();
  }
  const large = streamOf("ff\r\n" + "a".repeat(255) + "\r\n0\r\n\r\n");
  await assert.rejects(readChunkedBody(large.stream, 100), BodyTooLargeError);
  large.input.destroy();
});

Deno.test("relayChunked() passes the exact framing through", async () => {
  const text = "3\r\nabc\r\n0\r\n\r\n";
  const { stream, input } = streamOf(text, "rest");
  let out = "";
  await relayChunked(stream, (bytes) => void (out += decode(bytes)));
  assert.equal(out, text);
  input.destroy();
});

Deno.test("ByteStream body reads fail with ReadTimeoutError after bodyIdleMs without data", async () => {
  const input = new PassThrough();
  const stream = new ByteStream(input, { bodyIdleMs: 30 });
  input.write(encode("abc"));
  const pieces: string[] = [];
  await assert.rejects(
    stream.readExactly(10, (piece) => void pieces.push(new TextDecoder().decode(piece))),
    ReadTimeoutError,
  );
  assert.deepEqual(pieces, ["abc"]);
  // Data that keeps coming within the limit is read whole, however long it takes in all.
  const slow = new PassThrough();
  const patient = new ByteStream(slow, { bodyIdleMs: 5_000 });
  const feeding = (async () => {
    for (const part of ["ab", "cd", "ef"]) {
      await new Promise((r) => setTimeout(r, 20));
      slow.write(encode(part));
    }
  })();
  let text = "";
  await patient.readExactly(6, (piece) => void (text += new TextDecoder().decode(piece)));
  await feeding;
  assert.equal(text, "abcdef");
  input.destroy();
  slow.destroy();
});

Deno.test("parseRequestHead() keeps each head's framing fields its own", () => {
  // Heads without a field share one empty list: a head with values must not leak into it.
  const first = parseRequestHead(
    encode("GET /a HTTP/1.1\r\nHost: a.test\r\nConnection: x-a\r\nConnection: close\r\n\r\n"),
  );
  assert.ok(first.ok);
  assert.equal(first.head.keepAlive, false);
  const plain = encode("GET /b HTTP/1.1\r\nHost: a.test\r\n\r\n");
  for (const result of [parseRequestHead(plain), parseRequestHead(plain)]) {
    assert.ok(result.ok);
    assert.equal(result.head.keepAlive, true);
    assert.equal(result.head.framing.kind, "none");
  }
  const lengths = parseRequestHead(
    encode("POST /c HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"),
  );
  assert.ok(!lengths.ok); // both values were gathered
  assert.equal(lengths.error.detail, "Duplicate Content-Length header");
  const sized = parseRequestHead(
    encode("POST /d HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"),
  );
  assert.ok(sized.ok);
  assert.deepEqual(sized.head.framing, { kind: "length", length: 3 });
});
