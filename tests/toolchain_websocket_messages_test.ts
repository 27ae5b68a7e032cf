/**
 * `protocol: websocket` with a real client: Python's websocket-client over wss through the
 * proxy's CONNECT and TLS interception. Its text messages are decided as WEBSOCKET_TEXT: an
 * allowed one reaches the recording origin and is echoed, a denied one closes the WebSocket
 * with 1008 and a reason naming where the agent reads the denial (OpenShell's 1008 close).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import { startTestProxy, startTestUpstreams, WebSocketOrigin } from "./support/mod.ts";

const PYTHON = "/usr/bin/python3";
const hasClient = (await new Deno.Command(PYTHON, { args: ["-c", "import websocket"] })
  .output().catch(() => ({ success: false }))).success;

const POLICY = `version: 1
network_policies:
  chat:
    endpoints:
      - host: chat.example.com
        port: 443
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/chat/**" }
          - allow: { method: WEBSOCKET_TEXT, path: "/chat/rooms/**" }
    binaries: [{ path: "/usr/bin/python3*" }]
`;

// Send each argument as a text message and print what comes back: a text, or the close's code
// and reason.
const SCRIPT = `
import sys, websocket
url, port, ca = sys.argv[1:4]
ws = websocket.create_connection(url, http_proxy_host="127.0.0.1", http_proxy_port=int(port),
                                 proxy_type="http", sslopt={"ca_certs": ca})
for message in sys.argv[4:]:
    ws.send(message)
    opcode, data = ws.recv_data(control_frame=True)
    if opcode == 8:
        print("close", int.from_bytes(data[:2], "big"), data[2:].decode())
        break
    print("text", data.decode())
`;

Deno.test({
  name:
    "toolchain websocket messages: websocket-client's allowed messages are echoed, a denied one gets the 1008 close",
  ignore: !hasClient,
  fn: async () => {
    const upstreams = await startTestUpstreams();
    // The upstreams' CA directory: the proxy already trusts that CA.
    const ca = await CertificateAuthority.loadOrCreate(join(upstreams.caPath, "..", ".."));
    const leaf = await ca.mintLeaf(["chat.example.com"]);
    const origin = WebSocketOrigin.start({ cert: leaf.chainPem, key: leaf.keyPem });
    const proxy = await startTestProxy({
      policy: POLICY,
      upstreams,
      httpsHosts: [],
      httpHosts: [],
      resolve: [{
        host: "chat.example.com",
        port: 443,
        address: "127.0.0.1",
        targetPort: origin.port,
      }],
    });
    const run = async (path: string, ...messages: string[]) => {
      const url = `wss://chat.example.com${path}`;
      const args = ["-c", SCRIPT, url, String(proxy.port), proxy.caPath, ...messages];
      const out = await new Deno.Command(PYTHON, { args, env: { NO_PROXY: "" } }).output();
      return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    };
    try {
      assert.equal(
        await run("/chat/rooms/7", "hello", "again"),
        "text echo:hello\ntext echo:again\n",
      );
      assert.equal(
        await run("/chat/admin?token=s3cret", "drop it"),
        "close 1008 policy_denied, see http://policy.local/v1/denials: WEBSOCKET_TEXT /chat/admin\n",
      );
      assert.deepEqual(origin.texts, ["hello", "again"]);
    } finally {
      await proxy.close();
      await origin.close();
      await upstreams.close();
    }
  },
});
