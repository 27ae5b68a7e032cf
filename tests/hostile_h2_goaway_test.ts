/**
 * A sandbox's HTTP/2 client that closes its session gracefully (GOAWAY) must not end the proxy
 * process: Deno 2.9.6's nghttp2 could abort on a received GOAWAY (denoland/deno#36788), so the
 * proxy never hands a client's GOAWAY to its session (h2_goaway_filter.ts). Before, three
 * sessions of three 1 MiB downloads each, closed with GOAWAY, took the proxy (and this test's
 * process, where it runs) down with `find_stream_on_goaway_func: Assertion ... failed`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROXY_V8_FLAGS } from "../proxy/mod.ts";
import { h2TunnelClient, startTestUpstreams } from "./support/mod.ts";

const HOST = "h2.example.com";
const POLICY = `version: 1
network_policies:
  h2:
    endpoints:
      - { host: ${HOST}, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: "/**" } }] }
    binaries: [{ path: ${Deno.execPath()} }]
`;

// An origin in Deno's node:http2 with wide windows, in a process of its own: 1 MiB per GET.
const ORIGIN = `
import http2 from "node:http2";
const big = new Uint8Array(1 << 20).fill(97);
const server = http2.createSecureServer({
  cert: Deno.readTextFileSync(Deno.args[0]), key: Deno.readTextFileSync(Deno.args[1]),
  settings: { initialWindowSize: 1 << 20 } });
server.on("session", (s) => { s.on("error", () => {}); s.once("localSettings", () => s.setLocalWindowSize(16 << 20)); });
server.on("stream", (st) => { st.on("error", () => {}); st.respond({ ":status": 200 }); st.end(big); });
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

// Deno's own node:http2 client: three downloads on one session, then a graceful close.
const CLIENT = `
const session = await openH2Session({ initialWindowSize: 1 << 20 }); // wide, as bulk clients open
session.setLocalWindowSize(16 << 20);
let bytes = 0;
await Promise.all([1, 2, 3].map(() => new Promise((done) => {
  const req = session.request({ ":path": "/big" });
  req.on("data", (c) => bytes += c.length);
  req.on("end", done);
  req.on("error", done);
})));
await new Promise((r) => session.close(r));
console.log(bytes);
`;

/** `tollgate proxy` as a user runs it (its V8 flags included), in a process of its own. */
async function proxyProcess(dir: string, resolve: string, upstreamCa: string) {
  const policies = join(dir, "policies");
  await Deno.mkdir(policies);
  await Deno.writeTextFile(join(policies, "agent.yaml"), POLICY);
  const root = new URL("../", import.meta.url);
  const args = ["run", "-A", "--quiet", `--v8-flags=${PROXY_V8_FLAGS}`, "main.ts", "proxy"];
  args.push("--policy", "agent", "--policies", policies, "--state", join(dir, "state"));
  args.push("--listen", "127.0.0.1:0", "--resolve", resolve, "--upstream-ca", upstreamCa);
  const child = new Deno.Command(Deno.execPath(), { args, cwd: root, stdout: "piped" }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = (await lines.read()).value ?? "";
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(first)?.[1]);
  assert.ok(port > 0, `the proxy did not start: ${first}`);
  const caPath = join(dir, "state", "ca", "ca.pem");
  return { child, lines, port, caPath };
}

Deno.test("hostile h2: clients closing their sessions with GOAWAY leave the proxy serving", async () => {
  const upstreams = await startTestUpstreams();
  const leaf = await upstreams.mintLeaf([HOST]);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "cert.pem"), leaf.chainPem);
  await Deno.writeTextFile(join(dir, "key.pem"), leaf.keyPem);
  const args = ["eval", "--quiet", ORIGIN, "--", join(dir, "cert.pem"), join(dir, "key.pem")];
  const origin = new Deno.Command(Deno.execPath(), { args, stdout: "piped" }).spawn();
  const lines = origin.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const targetPort = Number((await lines.read()).value);
  const proxy = await proxyProcess(dir, `${HOST}:443:127.0.0.1:${targetPort}`, upstreams.caPath);
  try {
    for (let round = 0; round < 10; round++) {
      const { port: proxyPort, caPath } = proxy;
      const options = { runtime: "deno", proxyPort, host: HOST, caPath } as const;
      const client = await h2TunnelClient(CLIENT, options).output();
      const got = new TextDecoder().decode(client.stdout).trim();
      assert.equal(got, String(3 << 20), `round ${round}: the downloads did not arrive`);
    }
    // Still there: a proxy that aborted has exited by now.
    const exited = await Promise.race([proxy.child.status, new Promise((r) => setTimeout(r, 300))]);
    assert.equal(exited, undefined, `the proxy exited: ${JSON.stringify(exited)}`);
  } finally {
    try {
      proxy.child.kill();
    } catch {
      // Exited already.
    }
    await proxy.lines.cancel();
    await proxy.child.status;
    await upstreams.close();
    origin.kill();
    await lines.cancel();
    await origin.status;
    await Deno.remove(dir, { recursive: true });
  }
});
