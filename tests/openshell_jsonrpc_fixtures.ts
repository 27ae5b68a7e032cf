/**
 * JSON-RPC end-to-end fixtures: policies in the shapes of OpenShell's
 * `e2e/rust/tests/forward_proxy_jsonrpc_l7.rs`, a real JSON-RPC 2.0 origin (Python's
 * http.server, answering calls and batches and recording every body it receives), and a
 * client in the e2e's shape (urllib through the proxy, and a raw CONNECT tunnel carrying
 * plain HTTP).
 */

/** The e2e's `test_jsonrpc_l7` endpoint (method rules, one deny), as a policy. */
export function jsonRpcRulesPolicy(host: string, port: number, enforcement = "enforce"): string {
  return `version: 1
filesystem_policy:
  include_workdir: true
  read_only: [/usr, /lib, /proc, /dev/urandom, /app, /etc, /var/log]
  read_write: [/sandbox, /tmp, /dev/null]
landlock:
  compatibility: best_effort
process:
  run_as_user: sandbox
  run_as_group: sandbox
network_policies:
  test_jsonrpc_l7:
    name: test_jsonrpc_l7
    endpoints:
      - host: ${host}
        port: ${port}
        path: /rpc
        protocol: json-rpc
        enforcement: ${enforcement}
        allowed_ips: ["10.0.0.0/8", "172.0.0.0/8", "192.168.0.0/16", "fc00::/7"]
        json_rpc:
          max_body_bytes: 4096
        rules:
          - allow:
              method: initialize
          - allow:
              method: tools/list
          - allow:
              method: tools/call
        deny_rules:
          - method: tools/delete
    binaries:
      - path: /usr/bin/python*
      - path: /usr/local/bin/python*
`;
}

/**
 * The e2e's `test_jsonrpc_l7_audit` endpoint: `initialize` only. OpenShell's endpoint omits
 * `enforcement` (its default is audit); Tollgate defaults to enforce, so it is written here.
 */
export function jsonRpcAuditPolicy(host: string, port: number): string {
  return `version: 1
network_policies:
  test_jsonrpc_l7_audit:
    name: test_jsonrpc_l7_audit
    endpoints:
      - host: ${host}
        port: ${port}
        path: /rpc
        protocol: json-rpc
        enforcement: audit
        json_rpc:
          max_body_bytes: 65536
        rules:
          - allow:
              method: initialize
    binaries:
      - path: /usr/bin/python*
`;
}

// A JSON-RPC 2.0 server: answers each call (a batch with an array, notifications with
// nothing), unknown methods with -32601; appends every body it got, hex, to argv[1].
const ORIGIN = `
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
LOG = sys.argv[1]
RESULTS = {"initialize": {"protocolVersion": "2025-11-25", "serverInfo": {"name": "origin"}},
           "tools/list": {"tools": [{"name": "read_status"}]},
           "tools/call": {"content": [{"type": "text", "text": "ok"}]},
           "tools/delete": {"deleted": True}}
def answer(msg):
    if not isinstance(msg, dict) or "id" not in msg:
        return None
    if msg.get("method") in RESULTS:
        return {"jsonrpc": "2.0", "id": msg["id"], "result": RESULTS[msg["method"]]}
    return {"jsonrpc": "2.0", "id": msg["id"], "error": {"code": -32601, "message": "no method"}}
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.read(2)
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))
    def do_POST(self):
        body = self.read_body()
        with open(LOG, "a") as log:
            log.write(body.hex() + "\\n")
        msg = json.loads(body)
        out = [a for a in map(answer, msg) if a] if isinstance(msg, list) else answer(msg)
        data = b"" if not out else json.dumps(out).encode()
        self.send_response(200 if data else 202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
`;

/** A running JSON-RPC origin. */
export interface JsonRpcOrigin {
  port: number;
  /** The bodies it received, in order, as text. */
  bodies(): string[];
  close(): Promise<void>;
}

/** Start the Python JSON-RPC origin on 127.0.0.1, port 0. */
export async function startJsonRpcOrigin(): Promise<JsonRpcOrigin> {
  const log = await Deno.makeTempFile({ suffix: ".jsonrpc" });
  const child = new Deno.Command("/usr/bin/python3", {
    args: ["-c", ORIGIN, log],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the JSON-RPC origin did not start");
    first += value;
  }
  reader.releaseLock();
  const hex = (line: string) =>
    new TextDecoder().decode(new Uint8Array(line.match(/../g)!.map((h) => parseInt(h, 16))));
  return {
    port: Number(first.trim()),
    bodies: () => Deno.readTextFileSync(log).split("\n").filter((l) => l !== "").map(hex),
    async close() {
      child.kill("SIGTERM");
      await child.stdout.cancel().catch(() => {});
      await child.status;
      await Deno.remove(log);
    },
  };
}

// The e2e's client: urllib through HTTP_PROXY, and a raw CONNECT carrying plain HTTP. Each
// case prints {name, status, body}.
const CLIENT = `
import json, os, socket, sys, urllib.error, urllib.request
host, port, proxy_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cases = json.load(sys.stdin)
opener = urllib.request.build_opener(urllib.request.ProxyHandler(
    {"http": "http://127.0.0.1:%d" % proxy_port}))
def forward(body):
    req = urllib.request.Request("http://%s:%d/rpc" % (host, port), data=body,
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with opener.open(req, timeout=15) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
def connect(body):
    target = "%s:%d" % (host, port)
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=15) as s:
        s.sendall(("CONNECT %s HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n" % (target, target)).encode())
        head = b""
        while b"\\r\\n\\r\\n" not in head:
            head += s.recv(4096)
        if head.split()[1] != b"200":
            return int(head.split()[1]), b""
        s.sendall(("POST /rpc HTTP/1.1\\r\\nHost: %s\\r\\nContent-Type: application/json\\r\\n"
                   "Content-Length: %d\\r\\nConnection: close\\r\\n\\r\\n" % (target, len(body))
                   ).encode() + body)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            piece = s.recv(4096)
            if not piece:
                break
            data += piece
        head, _, rest = data.partition(b"\\r\\n\\r\\n")
        return int(head.split()[1]), rest
for case in cases:
    send = connect if case["path"] == "connect" else forward
    status, body = send(case["body"].encode())
    print(json.dumps({"name": case["name"], "status": status,
                      "body": body.decode("utf-8", "replace")}), flush=True)
`;

/** One request of the e2e client: its body, through the forward proxy or a CONNECT. */
export interface E2eCase {
  name: string;
  path: "forward" | "connect";
  body: string;
}

/** Run the e2e-shaped Python client through the proxy on `proxyPort`. */
export async function pythonJsonRpcClient(
  proxyPort: number,
  target: { host: string; port: number },
  cases: E2eCase[],
): Promise<{ name: string; status: number; body: string }[]> {
  const child = new Deno.Command("/usr/bin/python3", {
    args: ["-c", CLIENT, target.host, String(target.port), String(proxyPort)],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    // urllib must not bypass the proxy for 127.0.0.1 or read the caller's proxy settings.
    env: { NO_PROXY: "", no_proxy: "" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const text = new TextDecoder().decode(out.stdout).trim();
  return text.split("\n").map((line) => JSON.parse(line));
}
