/**
 * `protocol: websocket` (OpenShell's parsed WebSocket relay): after an allowed upgrade, each
 * client message is decided as WEBSOCKET_TEXT before any byte of it reaches the origin, and a
 * frame OpenShell refuses is refused here too. The origin records every frame it receives:
 * only judged messages may be there. Before, `protocol: websocket` did not load at all, and a
 * `rest` endpoint's upgrade was (and stays) a blind relay.
 */
import assert from "node:assert/strict";
import {
  chatPolicy,
  clientFrame,
  closedWith,
  handshake,
  openWebSocket,
  RawWebSocket,
  type TestProxy,
  waitFor,
  type WebSocketOrigin,
  withWebSocketOrigin,
} from "./support/mod.ts";

/** The chat policy, messages on `messages` for `?as=agent`, and a blind relay's rest endpoint. */
const policy = (messages = "/chat/rooms/**") =>
  chatPolicy({
    messages,
    query: '{ as: "agent" }',
    alsoEndpoint: "{ host: blind.example.com, port: 80, protocol: rest, access: read-only }",
  });

const withChat = (run: (proxy: TestProxy, origin: WebSocketOrigin) => Promise<void>) =>
  withWebSocketOrigin({ policy: policy(), hosts: ["chat.example.com", "blind.example.com"] }, run);

const open = (proxy: TestProxy, path: string, early?: Uint8Array, host = "chat.example.com") =>
  openWebSocket(proxy, `http://${host}${path}`, { early });

const ROOM = "/chat/rooms/1?as=agent";

Deno.test("hostile websocket: an allowed text message is judged whole and reaches the origin re-framed; a ping between its fragments goes first", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy, ROOM);
    await ws.send(
      clientFrame(1, "hel", { fin: false }),
      clientFrame(9, "ping"),
      clientFrame(0, "lo"),
    );
    const frames = await ws.frames((f) => f.some((x) => x.opcode === 1));
    assert.equal(frames.find((f) => f.opcode === 1)?.text, "echo:hello");
    assert.deepEqual(origin.frames.map((f) => `${f.opcode}:${f.fin}:${f.text}`), [
      "9:true:ping",
      "1:true:hello",
    ]);
    ws.close();
  });
});

Deno.test("hostile websocket: a denied text message closes with 1008 to the client and a close to the origin, which never sees it", async () => {
  await withChat(async (proxy, origin) => {
    // The upgrade is allowed (GET /chat/**), its messages are not (WEBSOCKET_TEXT /chat/rooms/**).
    const ws = await open(proxy, "/chat/admin?as=agent&token=s3cret");
    await ws.send(clientFrame(1, "drop table"));
    const closed = await closedWith(ws);
    assert.equal(
      closed,
      "1008 policy_denied, see http://policy.local/v1/denials: WEBSOCKET_TEXT /chat/admin",
    );
    // The origin is told the WebSocket closed, and got nothing else.
    await waitFor(() => origin.frames.length > 0, "the origin's close frame");
    assert.deepEqual(origin.frames.map((f) => f.opcode), [8]);
    const denial = proxy.events.find((e) => JSON.stringify(e).includes("WEBSOCKET_TEXT"));
    assert.ok(denial, "the denial is on record");
    assert.doesNotMatch(JSON.stringify(denial), /s3cret/);
  });
});

Deno.test("hostile websocket: frames OpenShell refuses close the connection before the origin sees them", async () => {
  const cases: [string, Uint8Array[], number][] = [
    ["unmasked", [clientFrame(1, "x", { masked: false })], 1002],
    ["RSV1 (no deflate negotiated)", [clientFrame(1, "x", { rsv: 0x40 })], 1002],
    ["continuation without a start", [clientFrame(0, "x")], 1002],
    ["reserved opcode", [clientFrame(3, "x")], 1002],
    ["fragmented ping", [clientFrame(9, "x", { fin: false })], 1002],
    ["invalid UTF-8", [clientFrame(1, new Uint8Array([0xc3, 0x28]))], 1007],
    ["text inside a fragmented text", [
      clientFrame(1, "a", { fin: false }),
      clientFrame(1, "b"),
    ], 1002],
  ];
  await withChat(async (proxy, origin) => {
    for (const [name, frames, code] of cases) {
      const ws = await open(proxy, ROOM);
      await ws.send(...frames);
      assert.match(await closedWith(ws), new RegExp(`^${code} `), name);
    }
    assert.deepEqual(origin.texts, []);
  });
});

Deno.test("hostile websocket: a text message over 4 MiB closes with 1009 and none of it reaches the origin", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy, ROOM);
    const mib = "x".repeat(1024 * 1024);
    const parts = [0, 1, 2, 3].map((i) => clientFrame(i === 0 ? 1 : 0, mib, { fin: false }));
    await ws.send(...parts, clientFrame(0, "x"));
    assert.match(await closedWith(ws), /^1009 /);
    assert.deepEqual(origin.texts, []);
  });
});

Deno.test("hostile websocket: frames sent with the handshake, before the 101, are judged too", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy, "/chat/admin?as=agent", clientFrame(1, "early"));
    assert.match(await closedWith(ws), /^1008 /);
    assert.deepEqual(origin.texts, []);
  });
});

Deno.test("hostile websocket: a binary message needs the grant a text one does", async () => {
  await withChat(async (proxy, origin) => {
    // A server may read a binary frame's bytes as text: GET alone grants no message.
    const ws = await open(proxy, "/chat/admin?as=agent");
    await ws.send(clientFrame(2, "drop table", { fin: false }), clientFrame(0, "s"));
    assert.match(await closedWith(ws), /^1008 /);
    assert.deepEqual(origin.texts, []);
    const room = await open(proxy, ROOM);
    await room.send(clientFrame(2, "bytes"), clientFrame(1, "after"));
    await room.frames((f) => f.some((x) => x.opcode === 1));
    room.close();
    assert.deepEqual(origin.texts, ["bytes", "after"]);
  });
});

Deno.test("hostile websocket: a reload re-judges the next message, even one whose first fragment came before it", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy, ROOM);
    await ws.send(clientFrame(1, "before"));
    await ws.frames((f) => f.some((x) => x.text === "echo:before"));
    await ws.send(clientFrame(1, "first half ", { fin: false }));
    // The text rule moves elsewhere; the upgrade's GET stays allowed.
    assert.ok(proxy.holder.update(policy("/elsewhere/**")).ok);
    await ws.send(clientFrame(0, "second half"));
    assert.match(await closedWith(ws), /^1008 /);
    assert.deepEqual(origin.texts, ["before"]);
  });
});

Deno.test("hostile websocket: the extension offer is not forwarded when messages are judged; a rest upgrade stays a blind relay", async () => {
  await withChat(async (proxy, origin) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    const ws = await RawWebSocket.open(
      conn,
      handshake(`http://chat.example.com${ROOM}`, "chat.example.com", offer),
    );
    assert.match(ws.head, /^HTTP\/1\.1 101 /);
    ws.close();
    assert.doesNotMatch(origin.heads[0]!, /sec-websocket-extensions/i);
    // protocol: rest: frames are not read (an unmasked one goes through, as before).
    const blind = await open(proxy, "/x", undefined, "blind.example.com");
    await blind.send(clientFrame(1, "unread", { masked: false }));
    await blind.frames((f) => f.some((x) => x.text === "echo:unread"));
    blind.close();
  });
});

Deno.test("hostile websocket: an HTTP request named WEBSOCKET_TEXT gets the 403, whatever allows messages", async () => {
  await withChat(async (proxy, origin) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const ws = await RawWebSocket.open(
      conn,
      "WEBSOCKET_TEXT http://chat.example.com/chat/rooms/1?as=agent HTTP/1.1\r\nHost: chat.example.com\r\n\r\n",
    );
    ws.close();
    assert.match(ws.head, /^HTTP\/1\.1 403 /);
    assert.equal(origin.heads.length, 0);
  });
});
