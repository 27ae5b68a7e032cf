/**
 * MCP end-to-end fixtures: policies in the shapes of OpenShell's `e2e/mcp-conformance`
 * template and opa.rs MCP tests, the JSON-RPC bodies an MCP client sends, and a real client
 * (Python's http.client) that sends them through the proxy, plain or inside a CONNECT tunnel,
 * with a Content-Length or chunked.
 */

/** OpenShell's e2e/mcp-conformance/policy-template.yaml, its placeholders filled. */
export function conformancePolicy(host: string, port: number, path: string): string {
  return `version: 1
filesystem_policy:
  include_workdir: true
  read_only: [/bin, /usr, /lib, /lib64, /proc, /sys, /dev/urandom, /etc, /opt, /var/log]
  read_write: [/sandbox, /tmp, /dev/null, /home/sandbox]
landlock:
  compatibility: best_effort
process:
  run_as_user: sandbox
  run_as_group: sandbox
network_policies:
  mcp_conformance:
    name: mcp_conformance
    endpoints:
      - host: ${host}
        port: ${port}
        path: ${path}
        protocol: mcp
        enforcement: enforce
        allowed_ips: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
        mcp:
          max_body_bytes: 131072
          allow_all_known_mcp_methods: true
        rules:
          - allow: {}
`;
}

/** A tool-narrowed MCP endpoint (opa.rs `l7_mcp_rules_filter_tools_call`), as a list item. */
export const narrowEndpoint = (host: string, port: number): string =>
  `      - host: ${host}
        port: ${port}
        path: /mcp
        protocol: mcp
        mcp: { max_body_bytes: 4096 }
        rules:
          - allow: { method: initialize }
          - allow: { method: notifications/initialized }
          - allow: { method: tools/list }
          - allow: { method: tools/call, tool: { any: [read_status, "submit_*"] } }
        deny_rules:
          - { method: tools/call, tool: submit_payment }
`;

/** The narrow policy on plain.example.com:80 and api.github.com:443. */
export const NARROW_POLICY = `version: 1
network_policies:
  mcp_tools:
    endpoints:
${narrowEndpoint("plain.example.com", 80)}${narrowEndpoint("api.github.com", 443)}`;

/** A JSON-RPC request. */
export const rpc = (id: number, method: string, params?: unknown): string =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });

/** A `tools/call` of `name`. */
export const toolCall = (id: number, name: string): string =>
  rpc(id, "tools/call", { name, arguments: { q: "x" } });

/** One request the client sends: method, extra headers, body, chunked or not. */
export interface ClientCase {
  name: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  chunked?: boolean;
}

/** What the client got back. */
export interface ClientResult {
  name: string;
  status: number;
  body: string;
}

// One connection per case, as an SDK's HTTP transport may open; prints one JSON line each.
const CLIENT = `
import http.client, json, ssl, sys
proxy_port, ca, host, port, path = sys.argv[1:6]
cases = json.load(sys.stdin)
for case in cases:
    if ca == "-":
        conn = http.client.HTTPConnection("127.0.0.1", int(proxy_port), timeout=20)
        target = "http://%s:%s%s" % (host, port, path)
    else:
        ctx = ssl.create_default_context(cafile=ca)
        conn = http.client.HTTPSConnection("127.0.0.1", int(proxy_port), timeout=20, context=ctx)
        conn.set_tunnel(host, int(port))
        target = path
    headers = {"Content-Type": "application/json",
               "Accept": "application/json, text/event-stream"}
    headers.update(case.get("headers") or {})
    body = case.get("body")
    data = None if body is None else body.encode("utf-8")
    if data is not None and case.get("chunked"):
        half = len(data) // 2
        conn.request(case.get("method", "POST"), target, body=iter([data[:half], data[half:]]),
                     headers=headers, encode_chunked=True)
    else:
        conn.request(case.get("method", "POST"), target, body=data, headers=headers)
    r = conn.getresponse()
    print(json.dumps({"name": case["name"], "status": r.status,
                      "body": r.read().decode("utf-8", "replace")}), flush=True)
    conn.close()
`;

/**
 * Send `cases` through the proxy on `proxyPort` with Python's http.client, to
 * `host:port/mcp`; `caPath` set means inside a CONNECT tunnel (TLS to the proxy's CA).
 */
export async function pythonMcpClient(
  proxyPort: number,
  caPath: string | undefined,
  target: { host: string; port: number; path?: string },
  cases: ClientCase[],
): Promise<ClientResult[]> {
  const args = [String(proxyPort), caPath ?? "-", target.host, String(target.port)];
  const child = new Deno.Command("/usr/bin/python3", {
    args: ["-c", CLIENT, ...args, target.path ?? "/mcp"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return text.trim().split("\n").map((line) => JSON.parse(line) as ClientResult);
}
