/**
 * A WebSocket opened on a path whose body a GraphQL, MCP or JSON-RPC endpoint judges: its
 * messages would pass unread, so the handshake is refused there. Before, a GraphQL endpoint
 * allowing queries only let `GET /graphql?query={viewer}` with `Upgrade: websocket` through (as
 * graphql-ws clients open subscriptions), and an MCP endpoint let the receive stream's GET
 * (`Accept: text/event-stream`) upgrade; a mutation or a denied `tools/call` then reached the
 * origin as a frame. The client is Deno's own `WebSocket` (through `HTTP(S)_PROXY`), the origin
 * a real WebSocket server (`Deno.upgradeWebSocket`).
 */
import assert from "node:assert/strict";
import { startTestProxy, startTestUpstreams, type TestProxy } from "./support/mod.ts";

const HOSTS = ["gql.example.com", "mcp.example.com", "rpc.example.com"];
const endpoint = (host: string, port: number, path: string, protocol: string) =>
  `      - { host: ${host}, port: ${port}, path: ${path}, protocol: ${protocol},\n` +
  (protocol === "graphql"
    ? "          rules: [{ allow: { operation_type: query } }] }\n"
    : protocol === "mcp"
    ? "          rules: [{ allow: { method: tools/call, tool: search_docs } }] }\n"
    : "          rules: [{ allow: { method: reports.list } }] }\n");
const POLICY = "version: 1\nnetwork_policies:\n  judged:\n    endpoints:\n" +
  [80, 443].map((port) =>
    endpoint(HOSTS[0]!, port, "/graphql", "graphql") +
    endpoint(HOSTS[1]!, port, "/mcp", "mcp") + endpoint(HOSTS[2]!, port, "/rpc", "json-rpc")
  ).join("") +
  `  plain:\n    endpoints:\n      - { host: ws.example.com, port: 80, protocol: rest, access: read-only }\n`;

// Runs in its own Deno: open the WebSocket, send one text message, report what happened.
const CLIENT = `
const [url, message, protocol, accept] = Deno.args;
const ws = new WebSocket(url, { protocols: protocol ? [protocol] : [], headers: accept ? { accept } : {} });
const done = (outcome) => { console.log(outcome); Deno.exit(0); };
ws.onopen = () => { ws.send(message); setTimeout(() => done("open"), 200); };
ws.onerror = () => done("refused");
`;

async function webSocket(proxy: TestProxy, url: string, message: string, extra: string[] = []) {
  const proxyUrl = `http://127.0.0.1:${proxy.port}`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", CLIENT, url, message, ...extra],
    env: { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, DENO_CERT: proxy.caPath, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout).trim();
}

Deno.test("hostile websocket judged: no WebSocket opens where a GraphQL, MCP or JSON-RPC endpoint judges the body", async () => {
  const upstreams = await startTestUpstreams();
  const arrived: string[] = [];
  const serve = (request: Request) => {
    if (request.headers.get("upgrade") !== "websocket") return new Response("plain");
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (event) => arrived.push(`${new URL(request.url).pathname} ${event.data}`);
    return response;
  };
  const origin = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, serve);
  const tls = await upstreams.mintLeaf(HOSTS);
  const secure = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: tls.chainPem,
    key: tls.keyPem,
    onListen() {},
  }, serve);
  const to = (host: string, port: number, targetPort: number) => ({
    host,
    port,
    address: "127.0.0.1",
    targetPort,
  });
  const resolve = [
    ...HOSTS.flatMap((host) => [to(host, 80, origin.addr.port), to(host, 443, secure.addr.port)]),
    to("ws.example.com", 80, origin.addr.port),
  ];
  const proxy = await startTestProxy({ policy: POLICY, upstreams, resolve });
  try {
    const mutation = JSON.stringify({ type: "subscribe", payload: { query: "mutation { wipe }" } });
    const call = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "wipe" },
    });
    const query = "/graphql?query=%7Bviewer%7D";
    const outcomes = [
      await webSocket(proxy, `ws://gql.example.com${query}`, mutation, ["graphql-transport-ws"]),
      await webSocket(proxy, `wss://gql.example.com${query}`, mutation, ["graphql-transport-ws"]),
      await webSocket(proxy, "ws://mcp.example.com/mcp", call, ["", "text/event-stream"]),
      await webSocket(proxy, "wss://mcp.example.com/mcp", call, ["", "text/event-stream"]),
      await webSocket(proxy, "ws://rpc.example.com/rpc", call),
      // A REST grant still opens one (README: a GET grant is a grant to the socket).
      await webSocket(proxy, "ws://ws.example.com/chat", "hello"),
    ];
    assert.deepEqual(outcomes, ["refused", "refused", "refused", "refused", "refused", "open"]);
    assert.deepEqual(arrived, ["/chat hello"]);
  } finally {
    await proxy.close();
    await secure.shutdown();
    await origin.shutdown();
    await upstreams.close();
  }
});
