import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type ClientFrameEvent, ClientFrameReader, closeFrame, dataFrame } from "./mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A client frame: masked unless told, FIN unless told, any RSV bits. */
function frame(
  opcode: number,
  payload: string | Uint8Array,
  { fin = true, rsv = 0, masked = true } = {},
): Uint8Array {
  const bytes = dataFrame(
    opcode,
    typeof payload === "string" ? enc.encode(payload) : payload,
    masked,
  );
  bytes[0] = (fin ? 0x80 : 0) | rsv | opcode;
  return bytes;
}

function read(...frames: Uint8Array[]): ClientFrameEvent[] {
  const reader = new ClientFrameReader({
    maxTextBytes: 64,
    maxFragments: 3,
    maxBinaryFrameBytes: 32,
  });
  return frames.flatMap((f) => reader.push(f));
}

function brief(events: ClientFrameEvent[]): string[] {
  return events.map((e) =>
    e.kind === "text"
      ? `text ${dec.decode(e.payload)}`
      : e.kind === "fail"
      ? `fail ${e.code}`
      : e.kind
  );
}

Deno.test("ClientFrameReader holds a text message until whole, passing control frames between", () => {
  const events = read(
    frame(1, "hel", { fin: false }),
    frame(9, "ping"),
    frame(0, "lo", { fin: false }),
    frame(0, " you"),
  );
  assert.deepEqual(brief(events), ["pass", "text hello you"]);
});

Deno.test("ClientFrameReader reads frames split anywhere, byte by byte", () => {
  const bytes = new Uint8Array([...frame(1, "a".repeat(40)), ...frame(10, ""), ...frame(1, "é")]);
  const reader = new ClientFrameReader();
  const events = [...bytes].flatMap((b) => reader.push(new Uint8Array([b])));
  assert.deepEqual(brief(events), [`text ${"a".repeat(40)}`, "pass", "text é"]);
});

Deno.test("ClientFrameReader accepts a character split across fragments", () => {
  const e = enc.encode("é");
  assert.deepEqual(brief(read(frame(1, e.slice(0, 1), { fin: false }), frame(0, e.slice(1)))), [
    "text é",
  ]);
});

Deno.test("ClientFrameReader announces a binary message before streaming its bytes", () => {
  const events = read(frame(2, "ab", { fin: false }), frame(0, "cd"));
  assert.deepEqual(brief(events), ["binary", "pass", "pass", "pass", "pass"]);
});

Deno.test("ClientFrameReader refuses hostile frames with OpenShell's close codes", () => {
  const cases: [string, Uint8Array[], string][] = [
    ["unmasked", [frame(1, "x", { masked: false })], "fail 1002"],
    ["RSV1 without an extension", [frame(1, "x", { rsv: 0x40 })], "fail 1002"],
    ["RSV3", [frame(2, "x", { rsv: 0x10 })], "fail 1002"],
    ["reserved opcode", [frame(3, "x")], "fail 1002"],
    ["continuation without a start", [frame(0, "x")], "fail 1002"],
    ["text inside a fragmented text", [frame(1, "a", { fin: false }), frame(1, "b")], "fail 1002"],
    [
      "binary inside a fragmented text",
      [frame(1, "a", { fin: false }), frame(2, "b")],
      "fail 1002",
    ],
    ["fragmented ping", [frame(9, "x", { fin: false })], "fail 1002"],
    ["ping over 125 bytes", [frame(9, "x".repeat(126))], "fail 1002"],
    ["text over the cap", [frame(1, "x".repeat(65))], "fail 1009"],
    ["text over the cap in fragments", [
      frame(1, "x".repeat(40), { fin: false }),
      frame(0, "x".repeat(25)),
    ], "fail 1009"],
    ["too many fragments", [
      frame(1, "a", { fin: false }),
      frame(0, "b", { fin: false }),
      frame(0, "c", { fin: false }),
      frame(0, "d"),
    ], "fail 1002"],
    ["binary frame over the cap", [frame(2, "x".repeat(33))], "binary? fail 1002"],
    ["invalid UTF-8", [frame(1, new Uint8Array([0xc3, 0x28]))], "fail 1007"],
    ["close code 1005", [frame(8, new Uint8Array([0x03, 0xed]))], "fail 1002"],
    ["one-byte close", [frame(8, new Uint8Array([3]))], "fail 1002"],
    [
      "frame after close",
      [frame(8, new Uint8Array([0x03, 0xe8])), frame(1, "x")],
      "pass,fail 1002",
    ],
  ];
  for (const [name, frames, want] of cases) {
    const got = brief(read(...frames)).join(",");
    assert.equal(got, want.replace("binary? ", ""), name);
  }
});

Deno.test("ClientFrameReader refuses a length not in its shortest form", () => {
  const f = frame(1, "x".repeat(10));
  // Rewrite the 7-bit length 10 as a 16-bit one.
  const long = new Uint8Array([f[0]!, 0x80 | 126, 0, 10, ...f.subarray(2)]);
  assert.deepEqual(brief(read(long)), ["fail 1002"]);
});

Deno.test("closeFrame() cuts its reason to 123 bytes at a character boundary", () => {
  const f = closeFrame(1008, "é".repeat(100), false);
  assert.equal(f[1], 2 + 122); // 61 two-byte characters
  assert.equal(dec.decode(f.subarray(4)), "é".repeat(61));
});

Deno.test("ClientFrameReader passes a close frame on masked as sent, also when given a Buffer", () => {
  // The relay hands it the socket's Buffers, whose slice() is a view, not a copy: unmasking the
  // close payload to check it once wrote the plain payload into the frame it forwarded, so the
  // origin unmasked a garbled close code (OpenShell websocket.rs validates_close_frame_payloads).
  const sent = frame(8, new Uint8Array([0x03, 0xe8, ...enc.encode("done")]));
  for (const chunk of [sent.slice(), Buffer.from(sent)]) {
    const [event] = new ClientFrameReader().push(chunk);
    assert.equal(event?.kind, "pass");
    assert.deepEqual([...(event as { bytes: Uint8Array }).bytes], [...sent]);
    assert.deepEqual([...chunk], [...sent], "the bytes read are left as they came");
  }
});
