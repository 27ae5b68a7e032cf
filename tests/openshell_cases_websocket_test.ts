/**
 * OpenShell's WebSocket frame tests (`crates/openshell-supervisor-network/src/l7/websocket.rs`,
 * tests module, at 2f7fb655), case by case through a real proxy: after an allowed upgrade on a
 * `protocol: websocket` endpoint, each client frame sequence either reaches the recording
 * origin or closes the connection with a close code, before any of it goes upstream.
 */
import assert from "node:assert/strict";
import {
  clientFrame,
  openWebSocket,
  type RawWebSocket,
  type TestProxy,
  waitFor,
  type WebSocketOrigin,
  withChatOrigin,
} from "./support/mod.ts";

/** One frame sequence and what OpenShell's test pins for it. */
interface FrameCase {
  /** The websocket.rs test this case mirrors. */
  mirrors: string;
  /** The client's frames, sent at once after the 101. */
  frames: Uint8Array[];
  /** The close code the client gets, or the text (`origin:`) the origin must receive. */
  expect: number | `origin:${string}`;
}

const close = (code: number, reason: Uint8Array | string = "") => {
  const text = typeof reason === "string" ? new TextEncoder().encode(reason) : reason;
  return clientFrame(8, new Uint8Array([code >> 8, code & 0xff, ...text]));
};

/** A masked text frame whose 5-byte length is written in the 16-bit form (not minimal). */
function longFormFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const mask = [1, 2, 3, 4];
  const head = [0x81, 0x80 | 126, 0, payload.length, ...mask];
  return new Uint8Array([...head, ...payload.map((b, i) => b ^ mask[i % 4]!)]);
}

const W = "websocket.rs";
const CASES: FrameCase[] = [
  {
    mirrors: `${W} rejects_rsv_bits`,
    frames: [clientFrame(1, "rsv", { rsv: 0x40 })],
    expect: 1002,
  },
  {
    mirrors: `${W} rejects_unmasked_client_frame`,
    frames: [clientFrame(1, "bare", { masked: false })],
    expect: 1002,
  },
  {
    mirrors: `${W} rejects_invalid_utf8_text`,
    frames: [clientFrame(1, new Uint8Array([0xff]))],
    expect: 1007,
  },
  {
    mirrors: `${W} fragmented_text_allows_interleaved_ping_pong_and_rewrites_at_completion`,
    frames: [
      clientFrame(1, "frag", { fin: false }),
      clientFrame(9, "p"),
      clientFrame(10, "q"),
      clientFrame(0, "mented"),
    ],
    expect: "origin:fragmented",
  },
  {
    mirrors: `${W} binary_frame_passes_through_unchanged`,
    frames: [clientFrame(2, "binary-bytes")],
    expect: "origin:binary-bytes",
  },
  { mirrors: `${W} rejects_reserved_opcode`, frames: [clientFrame(3, "reserved")], expect: 1002 },
  {
    mirrors: `${W} rejects_continuation_without_active_message`,
    frames: [clientFrame(0, "orphan")],
    expect: 1002,
  },
  {
    mirrors: `${W} rejects_new_data_frame_before_fragment_completion`,
    frames: [clientFrame(1, "partial", { fin: false }), clientFrame(1, "second")],
    expect: 1002,
  },
  {
    mirrors: `${W} rejects_fragmented_control_frame`,
    frames: [clientFrame(9, "ping", { fin: false })],
    expect: 1002,
  },
  {
    mirrors: `${W} rejects_control_frame_over_125_bytes`,
    frames: [clientFrame(9, "p".repeat(126))],
    expect: 1002,
  },
  {
    mirrors: `${W} rejects_non_minimal_extended_length`,
    frames: [longFormFrame("short")],
    expect: 1002,
  },
  {
    mirrors: `${W} rejects_close_frame_with_one_byte_payload`,
    frames: [clientFrame(8, new Uint8Array([3]))],
    expect: 1002,
  },
  { mirrors: `${W} rejects_reserved_close_code`, frames: [close(1005)], expect: 1002 },
  {
    mirrors: `${W} rejects_close_reason_with_invalid_utf8`,
    frames: [close(1000, new Uint8Array([0xff]))],
    expect: 1007,
  },
];

const withChat = (run: (proxy: TestProxy, origin: WebSocketOrigin) => Promise<void>) =>
  withChatOrigin({}, run);

const open = (proxy: TestProxy): Promise<RawWebSocket> =>
  openWebSocket(proxy, "http://chat.example.com/chat/1");

async function check(
  proxy: TestProxy,
  origin: WebSocketOrigin,
  test: FrameCase,
): Promise<string | undefined> {
  const ws = await open(proxy);
  const before = origin.frames.length;
  await ws.send(...test.frames);
  try {
    if (typeof test.expect === "string") {
      const text = test.expect.slice("origin:".length);
      await waitFor(() => origin.texts.includes(text), text, 5000).catch(() => {});
      return origin.texts.includes(text) ? undefined : `origin never got ${text}`;
    }
    const frames = await ws.frames((f) => f.some((x) => x.opcode === 8));
    const code = frames.find((f) => f.opcode === 8)?.code;
    if (code !== test.expect) return `closed with ${code ?? "nothing"}, expected ${test.expect}`;
    const seen = origin.frames.slice(before).filter((f) => f.opcode !== 8);
    return seen.length === 0 ? undefined : `origin got ${JSON.stringify(seen)}`;
  } finally {
    ws.close();
  }
}

Deno.test("OpenShell websocket.rs: each client frame sequence is relayed or refused as OpenShell's test pins", async () => {
  await withChat(async (proxy, origin) => {
    const wrong: string[] = [];
    for (const test of CASES) {
      const problem = await check(proxy, origin, test);
      if (problem !== undefined) wrong.push(`${test.mirrors}: ${problem}`);
    }
    assert.deepEqual(wrong, []);
  });
});

Deno.test("OpenShell websocket.rs validates_close_frame_payloads / rejects_frames_after_client_close_frame: a valid close goes upstream, nothing after it does", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy);
    await ws.send(close(1000, "done"), clientFrame(1, "late"));
    await waitFor(() => origin.frames.some((f) => f.opcode === 8), "the close upstream");
    await new Promise((resolve) => setTimeout(resolve, 300));
    ws.close();
    const closeFrame = origin.frames.find((f) => f.opcode === 8)!;
    assert.equal(closeFrame.text.slice(2), "done");
    assert.ok(
      !origin.texts.includes("late"),
      "a frame after the client's close never goes upstream",
    );
  });
});
