/**
 * An HTTP/2 origin that retires its session with GOAWAY after each answer (as servers do on a
 * restart or at a stream budget): the proxy no longer lets nghttp2 read that GOAWAY (Deno 2.9.6
 * can abort on one, h2_goaway_filter.ts) and closes its session itself, so the next stream
 * opens a new session and every request is answered. Were the GOAWAY dropped without closing
 * the session, the next streams would go to an origin that no longer takes them (a 502).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { nodeH2Requests, startTestProxy, startTestUpstreams } from "./support/mod.ts";

const HOST = "h2.example.com";
const identity = { resolve: () => Promise.resolve({ exe: "/usr/bin/node", ancestors: [] }) };
const POLICY = `version: 1
network_policies:
  h2:
    endpoints:
      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: "/**" } }] }
    binaries: [{ path: /usr/bin/node }]
`;

// A real Node.js origin: answers, then closes its session gracefully (GOAWAY); counts sessions.
const ORIGIN = `
const http2 = require("node:http2"), fs = require("node:fs");
let sessions = 0;
const server = http2.createSecureServer({
  cert: fs.readFileSync(process.argv[1]), key: fs.readFileSync(process.argv[2]) });
server.on("session", (s) => { sessions++; s.on("error", () => {}); });
server.on("stream", (st) => {
  st.on("error", () => {});
  st.respond({ ":status": 200 });
  st.end("session " + sessions, () => st.session.close());
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

Deno.test("h2: an origin's GOAWAY closes the proxy's session to it, and the next stream opens another", async () => {
  const upstreams = await startTestUpstreams();
  const leaf = await upstreams.mintLeaf([HOST]);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "cert.pem"), leaf.chainPem);
  await Deno.writeTextFile(join(dir, "key.pem"), leaf.keyPem);
  const args = ["-e", ORIGIN, join(dir, "cert.pem"), join(dir, "key.pem")];
  const origin = new Deno.Command("/usr/bin/node", { args, stdout: "piped" }).spawn();
  const lines = origin.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const targetPort = Number((await lines.read()).value);
  const resolve = [{ host: HOST, port: 443, address: "127.0.0.1", targetPort }];
  const proxy = await startTestProxy({ policy: POLICY, upstreams, identity, resolve });
  try {
    const gets = [1, 2, 3].map(() => ({ method: "GET", path: "/x" }));
    const result = await nodeH2Requests(proxy.port, HOST, proxy.caPath, gets);
    assert.deepEqual(result.responses.map((r) => [r.status, r.body]), [
      [200, "session 1"],
      [200, "session 2"],
      [200, "session 3"],
    ], result.stderr);
  } finally {
    await proxy.close();
    await upstreams.close();
    origin.kill();
    await lines.cancel();
    await origin.status;
    await Deno.remove(dir, { recursive: true });
  }
});
