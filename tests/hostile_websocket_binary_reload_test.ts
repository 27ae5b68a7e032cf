/**
 * A binary WebSocket message is judged at its first frame; a reload while it is still open
 * judges it again. Before, a client could open a binary message (FIN clear) while a
 * WEBSOCKET_TEXT rule (a lease, say) allowed it, and send its further frames, its end
 * included, after the rule was revoked: the origin got a whole message composed after the
 * revocation, since no time bound ends a binary message.
 */
import assert from "node:assert/strict";
import {
  chatPolicy,
  clientFrame,
  openWebSocket,
  type RawWebSocket,
  type TestProxy,
  waitFor,
  type WebSocketOrigin,
  withChatOrigin,
} from "./support/mod.ts";

const withChat = (run: (proxy: TestProxy, origin: WebSocketOrigin) => Promise<void>) =>
  withChatOrigin({}, run);

const open = (proxy: TestProxy) =>
  openWebSocket(proxy, "http://chat.example.com/chat/1", { host: "x" });

async function closeCode(ws: RawWebSocket): Promise<number | undefined> {
  const frames = await ws.frames();
  ws.close();
  return frames.find((f) => f.opcode === 8)?.code;
}

Deno.test("hostile websocket binary: a reload that revokes messages ends a binary message still open", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy);
    await ws.send(clientFrame(2, "start ", { fin: false }));
    await waitFor(() => origin.texts.length === 1, "the allowed first frame");
    // Messages are revoked; the upgrade's GET stays allowed.
    assert.ok(proxy.holder.update(chatPolicy({ messages: "/elsewhere/**" })).ok);
    await ws.send(clientFrame(0, "after the revocation"));
    assert.equal(await closeCode(ws), 1008);
    assert.deepEqual(origin.texts, ["start "]);
    const denied = proxy.events.filter((e) => JSON.stringify(e).includes("WEBSOCKET_TEXT"));
    assert.ok(denied.some((e) => e.action_id === 2), "the denial is on record");
  });
});

Deno.test("hostile websocket binary: a reload that keeps messages allowed leaves a binary message open", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy);
    await ws.send(clientFrame(2, "start ", { fin: false }));
    await waitFor(() => origin.texts.length === 1, "the first frame");
    assert.ok(proxy.holder.update(chatPolicy({ messages: "/chat/1" })).ok);
    await ws.send(clientFrame(0, "end"), clientFrame(1, "next"));
    await ws.frames((f) => f.some((x) => x.text === "echo:next"));
    ws.close();
    assert.deepEqual(origin.texts, ["start ", "end", "next"]);
  });
});

Deno.test("hostile websocket binary: a revocation in the middle of a binary frame never lets the frame end", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy);
    const frame = clientFrame(2, "x".repeat(1000));
    await ws.send(frame.subarray(0, 500));
    await waitFor(
      () => proxy.events.some((e) => JSON.stringify(e).includes("WEBSOCKET_TEXT")),
      "the judged first frame",
    );
    assert.ok(proxy.holder.update(chatPolicy({ messages: "/elsewhere/**" })).ok);
    await ws.send(frame.subarray(500));
    assert.equal(await closeCode(ws), 1008);
    // The frame's second half never went: the origin never reads a whole frame.
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(origin.frames, []);
  });
});
