/**
 * GraphQL over WebSocket with real peers: a Python `websockets` origin speaking
 * graphql-transport-ws over TLS (it acknowledges `connection_init`, answers each `subscribe`
 * with `next` and `complete`, and records every message it receives), and Python's
 * websocket-client through the proxy's CONNECT and TLS interception, under OpenShell's
 * documented `realtime_graphql` policy. An allowed subscription and query get their answers;
 * a mutation closes the WebSocket with 1008 and never reaches the origin.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import { startTestProxy, startTestUpstreams } from "./support/mod.ts";

const PYTHON = "/usr/bin/python3";
const hasPeers = (await new Deno.Command(PYTHON, { args: ["-c", "import websocket, websockets"] })
  .output().catch(() => ({ success: false }))).success;

// docs/sandboxes/policies.mdx's realtime_graphql (its credential rewrite left out: Tollgate
// refuses that on its own), for the Python binaries.
const POLICY = `version: 1
network_policies:
  realtime_graphql:
    name: realtime_graphql
    endpoints:
      - host: realtime.example.com
        port: 443
        path: "/graphql"
        protocol: websocket
        enforcement: enforce
        rules:
          - allow:
              method: GET
              path: "/graphql"
          - allow:
              operation_type: subscription
              fields: [messageAdded]
          - allow:
              operation_type: query
              fields: [viewer]
    binaries:
      - { path: "/usr/bin/python3*" }
`;

// A graphql-transport-ws server on websockets 10: prints its port, appends each message it
// receives to the log file.
const ORIGIN = `
import asyncio, json, ssl, sys, websockets
cert, key, log = sys.argv[1:4]
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
async def serve(ws, path):
    async for message in ws:
        with open(log, "a") as f:
            f.write((message if isinstance(message, str) else "binary:" + message.hex()) + "\\n")
        m = json.loads(message)
        if m["type"] == "connection_init":
            await ws.send(json.dumps({"type": "connection_ack"}))
        elif m["type"] == "subscribe":
            ran = m["payload"]["query"].split()[0]
            await ws.send(json.dumps({"type": "next", "id": m["id"], "payload": {"data": {"ran": ran}}}))
            await ws.send(json.dumps({"type": "complete", "id": m["id"]}))
async def main():
    async with websockets.serve(serve, "127.0.0.1", 0, ssl=tls, subprotocols=["graphql-transport-ws"]) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
`;

// Send each argument and print the answers until the operation completes, or the close.
const CLIENT = `
import json, sys, websocket
url, port, ca = sys.argv[1:4]
ws = websocket.create_connection(url, http_proxy_host="127.0.0.1", http_proxy_port=int(port),
                                 proxy_type="http", sslopt={"ca_certs": ca},
                                 subprotocols=["graphql-transport-ws"])
print("subprotocol", ws.getsubprotocol())
for message in sys.argv[4:]:
    ws.send(message)
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == 8:
            print("close", int.from_bytes(data[:2], "big"), data[2:].decode())
            sys.exit(0)
        answer = json.loads(data)
        print(answer["type"], json.dumps(answer.get("payload", {}).get("data", "")))
        if answer["type"] in ("connection_ack", "complete"):
            break
`;

const subscribe = (id: string, query: string) =>
  JSON.stringify({ type: "subscribe", id, payload: { query } });

Deno.test({
  name:
    "toolchain graphql-ws: websocket-client's subscription and query reach a graphql-transport-ws origin; a mutation gets the 1008 close",
  ignore: !hasPeers,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const upstreams = await startTestUpstreams();
    const ca = await CertificateAuthority.loadOrCreate(join(upstreams.caPath, "..", ".."));
    const leaf = await ca.mintLeaf(["realtime.example.com"]);
    await Deno.writeTextFile(join(dir, "cert.pem"), leaf.chainPem);
    await Deno.writeTextFile(join(dir, "key.pem"), leaf.keyPem);
    const log = join(dir, "seen.log");
    await Deno.writeTextFile(log, "");
    const origin = new Deno.Command(PYTHON, {
      args: ["-c", ORIGIN, join(dir, "cert.pem"), join(dir, "key.pem"), log],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = origin.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const originPort = Number((await reader.read()).value?.trim());
    const proxy = await startTestProxy({
      policy: POLICY,
      upstreams,
      httpsHosts: [],
      httpHosts: [],
      resolve: [{
        host: "realtime.example.com",
        port: 443,
        address: "127.0.0.1",
        targetPort: originPort,
      }],
    });
    const run = async (...messages: string[]) => {
      const url = "wss://realtime.example.com/graphql";
      const args = ["-c", CLIENT, url, String(proxy.port), proxy.caPath, ...messages];
      const out = await new Deno.Command(PYTHON, { args, env: { NO_PROXY: "" } }).output();
      return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    };
    const init = '{"type":"connection_init"}';
    const allowed = [
      subscribe("1", "subscription OnMessage { messageAdded { id text } }"),
      subscribe("2", "query { viewer { login } }"),
    ];
    const mutation = subscribe("3", 'mutation { sendMessage(text: "hi") { id } }');
    try {
      assert.equal(
        await run(init, ...allowed, mutation),
        [
          "subprotocol graphql-transport-ws",
          'connection_ack ""',
          'next {"ran": "subscription"}',
          'complete ""',
          'next {"ran": "query"}',
          'complete ""',
          "close 1008 policy_denied, see http://policy.local/v1/denials: WEBSOCKET_TEXT /graphql",
          "",
        ].join("\n"),
      );
      // The origin got every allowed message and nothing of the mutation.
      assert.deepEqual((await Deno.readTextFile(log)).split("\n").filter(Boolean), [
        init,
        ...allowed,
      ]);
      const denial = proxy.events.find((e) =>
        JSON.stringify(e).includes("GraphQL operation not permitted by policy: mutation")
      );
      assert.ok(denial, "the denial is on record");
    } finally {
      await proxy.close();
      origin.kill();
      await reader.cancel();
      await origin.status;
      await upstreams.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
