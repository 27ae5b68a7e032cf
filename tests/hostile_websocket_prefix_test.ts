/**
 * A `protocol: websocket` endpoint's `path` judges that path, not the paths below it (README,
 * Known limits): under a REST grant on the same host, a socket on `/ws/admin` is relayed blind to
 * an origin that mounts its handler on the `/ws` prefix. The advice, a second endpoint on
 * `/ws/**`, puts those sockets' messages under the rules too.
 */
import assert from "node:assert/strict";
import { clientFrame, closedWith, openWebSocket, withWebSocketOrigin } from "./support/mod.ts";

const endpoint = (path: string) => `
      - host: chat.example.com
        port: 80
        path: "${path}"
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/ws" }
          - allow: { method: GET, path: "/ws/**" }
          - allow: { method: WEBSOCKET_TEXT, path: "/ws/rooms/**" }`;

/** The websocket endpoint on each of `paths`, and a REST grant of any GET on the host. */
const policy = (paths: string[]) =>
  `version: 1
network_policies:
  chat:
    endpoints:${paths.map(endpoint).join("")}
      - { host: chat.example.com, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: "${Deno.execPath()}" }]
`;

const hosts = ["chat.example.com"];

Deno.test("hostile websocket prefix: an endpoint on /ws leaves a socket on /ws/admin to the REST grant, a blind relay (the known limit)", async () => {
  await withWebSocketOrigin({ policy: policy(["/ws"]), hosts }, async (proxy, origin) => {
    const ws = await openWebSocket(proxy, "http://chat.example.com/ws/admin");
    await ws.send(clientFrame(1, "drop table"));
    const frames = await ws.frames((f) => f.some((x) => x.opcode === 1));
    ws.close();
    assert.deepEqual([origin.texts, frames.map((f) => f.text)], [["drop table"], [
      "echo:drop table",
    ]]);
  });
});

Deno.test("hostile websocket prefix: a second endpoint on /ws/** judges the messages of a socket on /ws/admin", async () => {
  const paths = ["/ws", "/ws/**"];
  await withWebSocketOrigin({ policy: policy(paths), hosts }, async (proxy, origin) => {
    const admin = await openWebSocket(proxy, "http://chat.example.com/ws/admin");
    await admin.send(clientFrame(1, "drop table"));
    assert.match(await closedWith(admin), /^1008 policy_denied/);
    const room = await openWebSocket(proxy, "http://chat.example.com/ws/rooms/1");
    await room.send(clientFrame(1, "hello"));
    await room.frames((f) => f.some((x) => x.opcode === 1));
    room.close();
    assert.deepEqual(origin.texts, ["hello"]);
  });
});
