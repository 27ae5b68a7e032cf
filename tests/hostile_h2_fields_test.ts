/**
 * HTTP/2 fields a raw client writes that no library would, on their way to an HTTP/1.1 origin:
 * uppercase names, connection-specific fields, CR or LF in a value, a colon in a name,
 * malformed pseudo-fields. Each one either ends the stream or session before anything goes
 * upstream (nghttp2 answers PROTOCOL_ERROR, or the proxy 400/421) or never reaches the origin
 * (nghttp2 drops a field it cannot carry): no request line or field of the client's making is
 * spliced into what the origin reads. Probed on Deno 2.9.6 with literal HPACK fields.
 */
import assert from "node:assert/strict";
import {
  H2,
  h2Frame,
  H2FrameSplitter,
  openH2Session,
  startTestProxy,
  startTestUpstreams,
} from "./support/mod.ts";

const policy = `version: 1
network_policies:
  gh: { endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }] }
`;

/** HPACK literals without indexing, lengths below 127. */
function block(fields: [string, string][]): Uint8Array {
  const bytes: number[] = [];
  for (const [name, value] of fields) {
    const [n, v] = [new TextEncoder().encode(name), new TextEncoder().encode(value)];
    bytes.push(0, n.length, ...n, v.length, ...v);
  }
  return new Uint8Array(bytes);
}

const request = (path = "/x", authority = "api.github.com", method = "GET"): [string, string][] => [
  [":method", method],
  [":scheme", "https"],
  [":authority", authority],
  [":path", path],
];

const CASES: [string, [string, string][]][] = [
  ["uppercase name", [...request(), ["X-Upper", "a"]]],
  ["te other than trailers", [...request(), ["te", "gzip"]]],
  ["transfer-encoding", [...request(), ["transfer-encoding", "chunked"]]],
  ["connection-specific keep-alive", [...request(), ["keep-alive", "1"]]],
  ["CR LF in a value", [...request(), ["x-a", "b\r\nx-smuggled: c"]]],
  ["LF and a request line in a value", [...request(), ["x-a", "b\nDELETE /x HTTP/1.1"]]],
  ["a colon in a name", [...request(), ["x-smuggled:y", "z"]]],
  [":path *", request("*")],
  [":path absolute", request("http://evil.example/x")],
  [":path with a space", request("/x HTTP/1.1\tDELETE")],
  [":authority with user info", request("/x", "a@api.github.com")],
  [":authority of another host", request("/x", "evil.example")],
  [":method with a space", request("/x", "api.github.com", "DELETE /x")],
  ["a pseudo-field after a regular one", [
    ...request().slice(0, 2),
    ["x-a", "1"],
    ...request().slice(2),
  ]],
  ["a second :path", [...request(), [":path", "/admin"]]],
  ["host naming another authority", [...request(), ["host", "evil.example"]]],
];

/** Send one request on a session of its own; what came back on its stream, in short. */
async function send(port: number, caPath: string, fields: [string, string][]): Promise<string> {
  const tls = await openH2Session({ port, caPath });
  const splitter = new H2FrameSplitter();
  const buffer = new Uint8Array(65536);
  try {
    await tls.write(h2Frame(H2.HEADERS, H2.END_HEADERS | H2.END_STREAM, 1, block(fields)));
    for (let answer = "";;) {
      const n = await tls.read(buffer);
      if (n === null) return answer || "closed";
      for (const frame of splitter.push(buffer.slice(0, n))) {
        if (frame.type === H2.GOAWAY || (frame.type === H2.RST_STREAM && frame.stream === 1)) {
          return "reset";
        }
        if (frame.stream !== 1) continue;
        if (frame.type === H2.DATA) answer += new TextDecoder().decode(frame.payload);
        if (frame.flags & H2.END_STREAM) return answer;
      }
    }
  } finally {
    tls.close();
  }
}

Deno.test("hostile h2 fields: malformed fields end the stream or never reach the HTTP/1.1 origin", async () => {
  const upstreams = await startTestUpstreams();
  const proxy = await startTestProxy({ policy, upstreams });
  try {
    for (const [name, fields] of CASES) {
      const before = upstreams.requests.length;
      const answer = await send(proxy.port, proxy.caPath, fields);
      const reached = upstreams.requests.slice(before);
      for (const seen of reached) {
        // Whatever got through is the request the policy saw, and none of the client's extras.
        assert.equal(`${seen.method} ${seen.target}`, "GET /x", name);
        const text = JSON.stringify(seen.headers);
        assert.doesNotMatch(text, /smuggled|DELETE|evil|\\r|\\n|X-Upper|keep-alive|gzip/i, name);
      }
      if (reached.length === 0) assert.match(answer, /reset|closed|"error"/, name);
    }
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});
