import assert from "node:assert/strict";
import { frameWalker } from "./_h2_frame_walk.ts";

const GOAWAY = 7;

/** A frame of `type` with a payload of `length` bytes counting up from `fill`. */
function frame(type: number, length: number, fill: number): number[] {
  return [
    length >> 16,
    (length >> 8) & 0xff,
    length & 0xff,
    type,
    0,
    0,
    0,
    0,
    1,
    ...Array.from({ length }, (_, at) => (fill + at) & 0xff),
  ];
}

/** A seeded xorshift, so a failure replays. */
function random(seed: number): (below: number) => number {
  let x = seed;
  return (below) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % below;
  };
}

Deno.test("frameWalker() drops exactly the frames refused, reports every type and shows each dropped payload's head, however the bytes are cut", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const next = random(seed);
    const preface = Array(24).fill(0x50);
    const frames = Array.from({ length: 1 + next(12) }, (_, i) => {
      const type = [0, 1, 4, 6, GOAWAY, 8][next(6)]!;
      return { type, bytes: frame(type, next(40), i + 1) };
    });
    const input = [...preface, ...frames.flatMap((f) => f.bytes)];
    const expected = [
      ...preface,
      ...frames.filter((f) => f.type !== GOAWAY).flatMap((f) => f.bytes),
    ];
    const types: number[] = [];
    const peeks: number[][] = [];
    const onDropped = (head: Uint8Array) => peeks.push([...head]);
    const walk = frameWalker(24, (type) => (types.push(type), type !== GOAWAY), onDropped);
    const output: number[] = [];
    for (let at = 0; at < input.length;) {
      const size = 1 + next(30);
      const chunk = new Uint8Array(input.slice(at, at + size));
      const kept = walk(chunk);
      if (kept !== undefined) output.push(...kept);
      at += size;
    }
    assert.deepEqual(output, expected, `seed ${seed}`);
    assert.deepEqual(types, frames.map((f) => f.type), `seed ${seed}`);
    const dropped = frames.filter((f) => f.type === GOAWAY);
    assert.deepEqual(peeks, dropped.map((f) => f.bytes.slice(9, 17)), `seed ${seed}`);
  }
});

Deno.test("frameWalker() passes a chunk that loses nothing as the very chunk", () => {
  const walk = frameWalker(0, () => true);
  const chunk = new Uint8Array([...frame(0, 5, 1), ...frame(8, 4, 2)]);
  assert.equal(walk(chunk), chunk);
});
