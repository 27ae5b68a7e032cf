/**
 * A real h2-only client for end-to-end tests: Node's `http2.connect` (ALPN `h2` only) over a
 * CONNECT tunnel through the proxy, several requests on one session, run as a `node` process
 * so the proxy sees `/usr/bin/node` as the requester.
 *
 * @module
 */

/** One request of {@linkcode nodeH2Requests}. */
export interface H2ClientRequest {
  /** The `:method` pseudo-header. */
  method: string;
  /** The `:path` pseudo-header. */
  path: string;
  /** Request body, sent as one chunk. */
  body?: string;
  /** More request headers. */
  headers?: Record<string, string>;
  /** Send `body` but never end the stream (a body that stops arriving). */
  stall?: boolean;
}

/** What the client saw for one request. */
export interface H2ClientResponse {
  /** The `:status` pseudo-header (0 when the stream failed). */
  status: number;
  /** Response headers. */
  headers: Record<string, string | string[]>;
  /** The whole body, as text. */
  body: string;
  /** Trailers (gRPC's `grpc-status`, for one). */
  trailers: Record<string, string>;
  /** Set when the stream failed instead of answering. */
  error?: string;
}

/** The session's outcome: the negotiated ALPN and one response per request, in order. */
export interface H2ClientResult {
  /** The protocol the proxy's TLS picked (`h2` expected). */
  alpn: string | false | null;
  /** One per request, in order. */
  responses: H2ClientResponse[];
  /** What the node process wrote to stderr. */
  stderr: string;
}

// Runs inside node: CONNECT, TLS offering only h2, then the requests one after the other.
const SCRIPT = `
const net = require("node:net"), tls = require("node:tls"), http2 = require("node:http2");
const fs = require("node:fs");
const [proxyPort, host, caPath, requestsJson] = process.argv.slice(1);
const requests = JSON.parse(requestsJson);
const raw = net.connect(Number(proxyPort), "127.0.0.1", () => {
  raw.write("CONNECT " + host + ":443 HTTP/1.1\\r\\nHost: " + host + ":443\\r\\n\\r\\n");
});
let head = "";
const onHead = (chunk) => {
  head += chunk.toString("latin1");
  if (!head.includes("\\r\\n\\r\\n")) return;
  raw.off("data", onHead);
  if (!head.startsWith("HTTP/1.1 200")) { console.log(JSON.stringify({ connect: head })); process.exit(0); }
  const socket = tls.connect({ socket: raw, servername: host, ca: fs.readFileSync(caPath), ALPNProtocols: ["h2"] });
  socket.on("secureConnect", () => run(socket));
  socket.on("error", (e) => { console.log(JSON.stringify({ alpn: null, responses: [], error: e.message })); process.exit(0); });
};
raw.on("data", onHead);
async function run(socket) {
  const alpn = socket.alpnProtocol;
  const session = http2.connect("https://" + host, { createConnection: () => socket });
  session.on("error", () => {});
  const responses = [];
  for (const r of requests) responses.push(await one(session, r));
  console.log(JSON.stringify({ alpn, responses }));
  session.close();
  // A stream the proxy left half-open must not keep this process alive.
  setTimeout(() => process.exit(0), 2000).unref();
}
function one(session, r) {
  return new Promise((resolve) => {
    const out = { status: 0, headers: {}, body: "", trailers: {} };
    // Node ends a GET, HEAD or DELETE stream with its headers unless told there is a body.
    const open = r.body || r.stall ? { endStream: false } : {};
    const req = session.request({ ":method": r.method, ":path": r.path, ...(r.headers || {}) }, open);
    req.on("response", (h) => { out.status = h[":status"]; out.headers = { ...h }; });
    req.on("trailers", (t) => { out.trailers = { ...t }; });
    req.setEncoding("utf8");
    req.on("data", (c) => { out.body += c; });
    req.on("end", () => resolve(out));
    req.on("error", (e) => { out.error = e.message; resolve(out); });
    if (!r.stall) return req.end(r.body || undefined);
    req.write(r.body || "");
    // Pings keep the session busy: only this stream's own deadline may end it.
    const ping = setInterval(() => session.ping(() => {}), 100);
    req.on("close", () => clearInterval(ping));
    setTimeout(() => { out.error = out.error || "no answer"; resolve(out); }, 10000).unref();
  });
}
`;

/**
 * Send `requests` on one HTTP/2 session to `host:443` through the proxy at `proxyPort`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeH2Requests, withTestProxy } from "./mod.ts";
 *
 * const policy = `version: 1
 * network_policies:
 *   github:
 *     endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }]
 *     binaries: [{ path: /usr/bin/node }]
 * `;
 * await withTestProxy({ policy }, async (proxy) => {
 *   const get = [{ method: "GET", path: "/" }];
 *   const result = await nodeH2Requests(proxy.port, "api.github.com", proxy.caPath, get);
 *   assert.equal(result.alpn, "h2", result.stderr);
 *   assert.equal(result.responses[0]?.status, 200);
 * });
 * ```
 */
export async function nodeH2Requests(
  proxyPort: number,
  host: string,
  caPath: string,
  requests: H2ClientRequest[],
): Promise<H2ClientResult> {
  const output = await new Deno.Command("/usr/bin/node", {
    args: ["-e", SCRIPT, String(proxyPort), host, caPath, JSON.stringify(requests)],
    env: { PATH: "/usr/bin:/bin" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  const stderr = new TextDecoder().decode(output.stderr);
  if (stdout === "") return { alpn: null, responses: [], stderr };
  return { ...JSON.parse(stdout), stderr };
}
