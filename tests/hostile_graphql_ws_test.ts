/**
 * GraphQL over WebSocket (OpenShell's `websocket_graphql_policy`) in plain forwarding, on a raw
 * socket: each client message is judged by the operation it runs before any byte of it reaches
 * the origin, which records every frame it gets. Before, a policy with GraphQL rules on a
 * websocket endpoint did not load; written instead as a `WEBSOCKET_TEXT` grant, it let a
 * mutation through as one more text message.
 */
import assert from "node:assert/strict";
import {
  clientFrame,
  closedWith,
  openWebSocket,
  type TestProxy,
  waitFor,
  type WebSocketOrigin,
  withWebSocketOrigin,
} from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  realtime_graphql:
    endpoints:
      - host: realtime.example.com
        port: 80
        path: "/graphql"
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/graphql" }
          - allow: { operation_type: subscription, fields: [messageAdded] }
          - allow: { operation_type: query, fields: [viewer] }
      - { host: realtime.example.com, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: "${Deno.execPath()}" }]
`;

const withOrigin = (run: (proxy: TestProxy, origin: WebSocketOrigin) => Promise<void>) =>
  withWebSocketOrigin({ policy: POLICY, hosts: ["realtime.example.com"] }, run);

const open = (proxy: TestProxy, path = "/graphql") =>
  openWebSocket(proxy, `http://realtime.example.com${path}`);

const subscribe = (query: string) =>
  JSON.stringify({ type: "subscribe", id: "1", payload: { query } });
const SUB = subscribe("subscription { messageAdded { id } }");
const MUTATION = subscribe('mutation { sendMessage(text: "x") { id } }');
const DENIED = "1008 policy_denied, see http://policy.local/v1/denials: WEBSOCKET_TEXT /graphql";

Deno.test("hostile graphql-ws: allowed messages reach the origin, a mutation closes with 1008 and never does", async () => {
  await withOrigin(async (proxy, origin) => {
    const ws = await open(proxy);
    await ws.send(clientFrame(1, '{"type":"connection_init"}'), clientFrame(1, SUB));
    await ws.frames((f) => f.filter((x) => x.opcode === 1).length === 2);
    await ws.send(clientFrame(1, MUTATION));
    assert.equal(await closedWith(ws), DENIED);
    await waitFor(() => origin.frames.some((f) => f.opcode === 8), "the origin's close");
    assert.deepEqual(origin.texts, ['{"type":"connection_init"}', SUB]);
    const denial = proxy.events.find((e) =>
      JSON.stringify(e).includes("GraphQL operation not permitted by policy: mutation")
    );
    assert.ok(denial, "the denial is on record, naming the operation");
  });
});

Deno.test("hostile graphql-ws: a mutation in a binary message, in fragments or behind a duplicate key never reaches the origin", async () => {
  const cases: [string, Uint8Array[]][] = [
    // graphql-ws's ws server reads a binary message's bytes as text: judged as unreadable.
    ["binary", [clientFrame(2, MUTATION)]],
    ["fragmented", [
      clientFrame(1, MUTATION.slice(0, 20), { fin: false }),
      clientFrame(0, MUTATION.slice(20)),
    ]],
    // gqlgen reads keys without case and runs the last: a ping here, a mutation there.
    ["TYPE", [
      clientFrame(1, MUTATION.replace('"type":"subscribe"', '"type":"ping","TYPE":"subscribe"')),
    ]],
    ["unknown type", [clientFrame(1, MUTATION.replace('"subscribe"', '"execute"'))]],
    ["not JSON", [clientFrame(1, "mutation { drop }")]],
  ];
  await withOrigin(async (proxy, origin) => {
    for (const [name, frames] of cases) {
      const ws = await open(proxy);
      await ws.send(...frames);
      assert.equal(await closedWith(ws), DENIED, name);
    }
    assert.deepEqual(origin.texts, []);
  });
});

Deno.test("hostile graphql-ws: a socket opened on a spelling an origin routes to /graphql is judged too", async () => {
  // The host's REST grant allows any GET, so the upgrade passes; HotChocolate (ASP.NET) routes
  // /GRAPHQL to its /graphql handler. Before, that socket was a blind relay and the mutation
  // reached the origin.
  await withOrigin(async (proxy, origin) => {
    for (const path of ["/GRAPHQL", "/graphql/"]) {
      const ws = await open(proxy, path);
      await ws.send(clientFrame(1, MUTATION));
      assert.match(await closedWith(ws), /^1008 policy_denied/, path);
    }
    assert.deepEqual(origin.texts, []);
  });
});

Deno.test("hostile graphql-ws: a message over the endpoint's inspection limit is refused unread", async () => {
  // Before, any text message up to 4 MiB was parsed on the proxy's event loop (30-360 ms for
  // one, every other client of the proxy waiting) and this allowed subscription reached the
  // origin; the limit is graphql_max_body_bytes, as for a GraphQL POST's body.
  const filter = "x".repeat(100_000);
  const long = subscribe(`subscription { messageAdded(filter: "${filter}") { id } }`);
  await withOrigin(async (proxy, origin) => {
    const ws = await open(proxy);
    await ws.send(clientFrame(1, long));
    assert.equal(await closedWith(ws), DENIED);
    assert.deepEqual(origin.texts, []);
    const denial = proxy.events.find((e) => JSON.stringify(e).includes("inspection limit"));
    assert.ok(denial, "the denial is on record, naming the limit");
  });
});
