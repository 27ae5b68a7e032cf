/**
 * The audit volume of a judged WebSocket (`protocol: websocket`). Each client message is a
 * decision; before, each allowed one was also an OCSF line (about 0.4 KB, as OpenShell writes
 * one per message), so a client sending empty messages (6 bytes each) made the proxy write
 * about 70 times what it sent, 6-12 MB of log a second. Now the first allowed message of a socket
 * is an event, and those after it one event per rule per 10 s (and at close, and before a denial)
 * with their count and bytes, while every denied message stays an event of its own, in the
 * denials file.
 */
import assert from "node:assert/strict";
import {
  clientFrame,
  openWebSocket,
  type TestProxy,
  waitFor,
  type WebSocketOrigin,
  withChatOrigin,
} from "./support/mod.ts";
import { type OcsfEvent, readOcsfEvents } from "../proxy/ocsf/mod.ts";

const withChat = (run: (proxy: TestProxy, origin: WebSocketOrigin) => Promise<void>) =>
  withChatOrigin({ messages: "/chat/rooms/**", writeLogs: true }, run);

const open = (proxy: TestProxy, path: string) =>
  openWebSocket(proxy, `http://chat.example.com${path}`);

const isMessage = (e: OcsfEvent) => e.http_request?.http_method === "WEBSOCKET_TEXT";
const MESSAGES = 3000;

Deno.test("hostile websocket log volume: thousands of allowed messages are one summary with their count and bytes; the denial after them is an event of its own", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy, "/chat/rooms/1");
    const one = clientFrame(1, "ab");
    await ws.send(...Array.from({ length: MESSAGES }, () => one));
    await waitFor(() => origin.texts.length === MESSAGES, "every message at the origin");
    // Still open: the first message is on record, the others are not, one by one.
    const allowed = () => proxy.events.filter((e) => isMessage(e) && e.action_id === 1);
    assert.equal(allowed().length, 1, `${allowed().length} events for ${MESSAGES} messages`);
    ws.close();
    await waitFor(() => allowed().length === 2, "the summary written at close");
    const counted = allowed().reduce((sum, e) => sum + (e.count ?? 1), 0);
    assert.equal(counted, MESSAGES);
    const summary = allowed()[1]!;
    assert.equal(summary.count, MESSAGES - 1);
    assert.equal(summary.firewall_rule?.name, "chat");
    assert.ok((summary.start_time ?? Infinity) <= (summary.end_time ?? 0));
    // The bytes the client's messages carried: 2 bytes each.
    const bytes = allowed().reduce((sum, e) => sum + (e.traffic?.bytes_out ?? 0), 0);
    assert.equal(bytes, 2 * MESSAGES);

    // A denied message after allowed ones: the allowed go on record first, then the denial.
    const admin = await open(proxy, "/chat/admin");
    const room = await open(proxy, "/chat/rooms/2");
    await room.send(clientFrame(1, "fine"), clientFrame(1, "fine"));
    await room.frames((f) => f.filter((x) => x.opcode === 1).length === 2);
    await admin.send(clientFrame(1, "drop table"));
    await admin.frames((f) => f.some((x) => x.opcode === 8));
    admin.close();
    room.close();
    await waitFor(() => allowed().length >= 4, "the second socket's summary");
    const { events } = await readOcsfEvents(proxy.logDir, { last: 100, denied: true });
    const denials = events.filter(isMessage);
    assert.equal(denials.length, 1, "the denial is in the denials file");
    assert.equal(denials[0]!.http_request?.url.path, "/chat/admin");
  });
});

Deno.test("hostile websocket log volume: a summary counts binary and control frames in its bytes", async () => {
  await withChat(async (proxy, origin) => {
    const ws = await open(proxy, "/chat/rooms/3");
    const binary = clientFrame(2, "xyz");
    const ping = clientFrame(9, "p");
    await ws.send(clientFrame(1, "ab"), binary, ping);
    await waitFor(() => origin.frames.length === 3, "the three frames at the origin");
    ws.close();
    const allowed = () => proxy.events.filter((e) => isMessage(e) && e.action_id === 1);
    await waitFor(() => allowed().length === 2, "the summary written at close");
    // The text message's payload, then the binary and ping frames as relayed (masked, whole).
    assert.deepEqual(allowed().map((e) => [e.count ?? 1, e.traffic?.bytes_out]), [
      [1, 2],
      [1, binary.byteLength + ping.byteLength],
    ]);
  });
});
