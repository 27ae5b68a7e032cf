/**
 * The agent's real toolchain through the proxy (issue #13): a CONNECT denied at L4 answered
 * in-band so that curl, wget, Python and git show the structured 403; WebSockets through an
 * intercepted tunnel; binaries written as symlinks or scripts.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import {
  curl,
  rawRequest,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  type TestUpstreams,
  withTestProxy,
} from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  gh_ro:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
  wget_only:
    endpoints: [{ host: wget.example.com, port: 443 }]
    binaries: [{ path: "/usr/bin/wget" }]
  skipped:
    endpoints: [{ host: skip.example.com, port: 443, tls: skip }]
    binaries: [{ path: "/usr/bin/wget" }]
  local:
    endpoints: [{ host: localhost, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
`;
const HTTPS_HOSTS = ["api.github.com", "wget.example.com", "skip.example.com"];

function withProxy(
  run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>,
  policy = POLICY,
): Promise<void> {
  const hosts = { httpsHosts: HTTPS_HOSTS, upstreamHosts: HTTPS_HOSTS };
  return withTestProxy({ policy, ...hosts }, run);
}

const denials = (proxy: TestProxy) => proxy.events.filter((e) => e.action_id === 2);

/** Run a command with only the proxy settings (and the CA) in its environment. */
async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(command, {
    args,
    env: { PATH: "/usr/bin:/bin", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

function proxyEnv(proxy: TestProxy): Record<string, string> {
  const url = `http://127.0.0.1:${proxy.port}`;
  return { https_proxy: url, HTTPS_PROXY: url, no_proxy: "", NO_PROXY: "" };
}

Deno.test("toolchain #13.3: curl -s on a host outside the policy prints the structured 403 (l4), one denial on record", async () => {
  await withProxy(async (proxy, upstreams) => {
    const result = await curl(["https://denied.example/some/path?token=x"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.status, 403);
    assert.equal(result.headers["content-type"], "application/json");
    const body = JSON.parse(result.body);
    assert.equal(body.error, "policy_denied");
    assert.equal(body.layer, "l4");
    assert.equal(body.rule, "CONNECT denied.example:443");
    assert.equal(body.binary, "/usr/bin/curl");
    assert.deepEqual(body.rule_missing, {
      type: "l4_allow",
      layer: "l4",
      host: "denied.example",
      port: 443,
      binary: "/usr/bin/curl",
    });
    assert.equal(upstreams.connections(), 0);
    assert.deepEqual(denials(proxy).map((e) => e.status_detail), [
      "endpoint denied.example:443 not in policy",
    ]);
  });
});

Deno.test("toolchain #13.3: a wrong binary is told in-band too, and wget shows the body with --content-on-error", async () => {
  await withProxy(async (proxy, upstreams) => {
    const viaCurl = await curl(["https://wget.example.com/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(viaCurl.status, 403);
    assert.equal(JSON.parse(viaCurl.body).policy, "wget_only");
    const viaWget = await run("wget", [
      "-q",
      "-O",
      "-",
      "--content-on-error",
      `--ca-certificate=${proxy.caPath}`,
      "https://api.github.com/repos/o/r",
    ], proxyEnv(proxy));
    assert.equal(viaWget.code, 8, viaWget.stderr);
    const body = JSON.parse(viaWget.stdout);
    assert.equal(body.layer, "l4");
    assert.equal(body.binary, "/usr/bin/wget");
    assert.equal(upstreams.connections(), 0);
  });
});

Deno.test("toolchain #13.3: Python urllib reads the structured 403 from the HTTPError", async () => {
  await withProxy(async (proxy) => {
    const script = [
      "import urllib.request, urllib.error, json",
      "try:",
      "    urllib.request.urlopen('https://denied.example/x')",
      "except urllib.error.HTTPError as e:",
      "    print(e.code, json.loads(e.read())['rule'])",
      "    print(e.reason)",
    ].join("\n");
    const result = await run("python3", ["-c", script], {
      ...proxyEnv(proxy),
      SSL_CERT_FILE: proxy.caPath,
      PATH: `/root/.pyenv/shims:/usr/local/bin:/usr/bin:/bin`,
      HOME: Deno.env.get("HOME") ?? "/root",
    });
    const [status, reason] = result.stdout.trim().split("\n");
    assert.equal(status, "403 CONNECT denied.example:443", result.stderr);
    assert.equal(
      reason,
      "Forbidden by Tollgate policy, see http://policy.local/v1/denials and http://policy.local/v1/skill",
    );
  });
});

Deno.test("toolchain #13.3: git clone shows remote: lines naming the policy, the missing rule and the next steps", async () => {
  await withProxy(async (proxy) => {
    const home = await Deno.makeTempDir({ prefix: "tollgate-git-home-" });
    try {
      const result = await run(
        "git",
        ["clone", "https://denied.example/o/r.git", join(home, "r")],
        {
          ...proxyEnv(proxy),
          HOME: home,
          GIT_SSL_CAINFO: proxy.caPath,
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_TERMINAL_PROMPT: "0",
        },
      );
      assert.equal(result.code, 128);
      const remote = result.stderr.split("\n").filter((l) => l.startsWith("remote: "));
      assert.ok(remote.length >= 4, result.stderr);
      const text = remote.join("\n");
      assert.match(text, /policy_denied: CONNECT denied\.example:443/);
      assert.match(text, /missing rule: l4_allow denied\.example:443 for binary \//);
      assert.match(text, /http:\/\/policy\.local\/v1\/skill/);
      assert.match(text, /http:\/\/policy\.local\/v1\/proposals/);
      const json = remote.find((l) => l.startsWith("remote: {"));
      assert.equal(JSON.parse(json!.slice("remote: ".length)).layer, "l4");
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  });
});

Deno.test("toolchain #13.3: a tls: skip host keeps the CONNECT 403; an SSRF refusal stays a CONNECT 403", async () => {
  await withProxy(async (proxy, upstreams) => {
    const skip = await curl(["https://skip.example.com/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(skip.exitCode, 56, "curl reports the refused CONNECT");
    const ssrf = await curl(["https://localhost/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(ssrf.exitCode, 56);
    const raw = await rawRequest(
      proxy.port,
      "CONNECT skip.example.com:443 HTTP/1.1\r\nHost: skip.example.com:443\r\n\r\n",
    );
    assert.equal(raw.status, 403);
    assert.equal(JSON.parse(raw.body).layer, "l4");
    assert.equal(upstreams.connections(), 0);
  });
});

Deno.test("toolchain #13.3: plain HTTP inside a denied CONNECT gets the JSON 403 in the clear", async () => {
  await withProxy(async (proxy, upstreams) => {
    const response = await rawRequest(proxy.port, [
      "CONNECT denied.example:80 HTTP/1.1\r\nHost: denied.example:80\r\n\r\n",
      "GET /ws HTTP/1.1\r\nHost: denied.example\r\n\r\n",
    ], {
      until: (raw) => raw.includes("}") && raw.lastIndexOf("HTTP/1.1 403") > 0,
    });
    assert.match(response.head, /^HTTP\/1\.1 200 /);
    const inner = response.raw.slice(response.raw.indexOf("HTTP/1.1 403"));
    const body = JSON.parse(inner.slice(inner.indexOf("\r\n\r\n") + 4));
    assert.equal(body.rule, "CONNECT denied.example:80");
    assert.equal(denials(proxy).length, 1);
    assert.equal(upstreams.connections(), 0);
  });
});

/** CONNECT, TLS, one GET, read the answer, then reset the connection (as pip does). */
async function resetAfterAnswer(proxyPort: number, caPath: string): Promise<string> {
  const raw = net.connect(proxyPort, "127.0.0.1");
  raw.on("error", () => {});
  await new Promise((resolve) => raw.once("connect", resolve));
  raw.write("CONNECT denied.example:443 HTTP/1.1\r\nHost: denied.example:443\r\n\r\n");
  await new Promise((resolve) => raw.once("data", resolve));
  const secure = tls.connect({
    socket: raw,
    servername: "denied.example",
    ca: await Deno.readTextFile(caPath),
  });
  secure.on("error", () => {});
  secure.write("GET / HTTP/1.1\r\nHost: denied.example\r\n\r\n");
  let answer = "";
  await new Promise<void>((resolve) => {
    secure.on("data", (chunk) => {
      answer += chunk;
      if (answer.includes("}")) resolve();
    });
    secure.once("close", () => resolve());
  });
  const closed = new Promise((resolve) => raw.once("close", resolve));
  raw.resetAndDestroy();
  await closed;
  return answer;
}

Deno.test("toolchain #13.3: a client that resets after reading the in-band 403 does not bring the proxy down", async () => {
  await withProxy(async (proxy) => {
    for (let i = 0; i < 3; i++) {
      assert.match(await resetAfterAnswer(proxy.port, proxy.caPath), /^HTTP\/1\.1 403 /);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await curl(["https://denied.example/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(after.status, 403);
  });
});

const WS_POLICY = `version: 1
network_policies:
  ws:
    endpoints:
      - host: ws.example.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: /ws }
          - allow: { method: GET, path: /plain }
      - { host: plain-ws.example.com, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: "${Deno.execPath()}" }]
`;

/** WebSocket echo servers (HTTPS, signed by the test upstreams' CA, and plain HTTP). */
async function startEchoServers(upstreams: TestUpstreams) {
  // The upstreams' CA directory: the proxy already trusts that CA.
  const ca = await CertificateAuthority.loadOrCreate(join(upstreams.caPath, "..", ".."));
  const leaf = await ca.mintLeaf(["ws.example.com"]);
  const seen: { path: string; key: string | null }[] = [];
  const handler = (request: Request) => {
    seen.push({
      path: new URL(request.url).pathname,
      key: request.headers.get("sec-websocket-key"),
    });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response(`no upgrade: ${request.headers.get("upgrade") ?? "-"}`);
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    return response;
  };
  const quiet = { hostname: "127.0.0.1", port: 0, onListen: () => {} };
  const secure = Deno.serve({ ...quiet, cert: leaf.chainPem, key: leaf.keyPem }, handler);
  const plain = Deno.serve(quiet, handler);
  return {
    seen,
    securePort: secure.addr.port,
    plainPort: plain.addr.port,
    async close() {
      await Promise.all([secure.shutdown(), plain.shutdown()]);
    },
  };
}

const HANDSHAKE = (target: string, host: string, extra = "") =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

/** A masked text frame, as a client must send it (RFC 6455 §5.3). */
function clientFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const mask = [1, 2, 3, 4];
  const frame = new Uint8Array(6 + payload.length);
  frame.set([0x81, 0x80 | payload.length, ...mask]);
  payload.forEach((b, i) => (frame[6 + i] = b ^ mask[i % 4]!));
  return frame;
}

/** Send the handshake on `conn`, check the 101, send one frame, return the echoed text. */
async function echoThrough(conn: Deno.Conn, handshake: string, message: string) {
  await conn.write(new TextEncoder().encode(handshake));
  let raw = new Uint8Array(0);
  const buffer = new Uint8Array(4096);
  const more = async () => {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`closed after ${new TextDecoder().decode(raw)}`);
    raw = new Uint8Array([...raw, ...buffer.subarray(0, n)]);
  };
  const headEnd = () => new TextDecoder().decode(raw).indexOf("\r\n\r\n");
  while (headEnd() === -1) await more();
  const head = new TextDecoder().decode(raw.subarray(0, headEnd()));
  raw = raw.subarray(headEnd() + 4);
  if (!head.startsWith("HTTP/1.1 101")) {
    conn.close();
    return { head, echo: undefined };
  }
  await conn.write(clientFrame(message));
  while (raw.length < 2 || raw.length < 2 + raw[1]!) await more();
  const echo = new TextDecoder().decode(raw.subarray(2, 2 + raw[1]!));
  conn.close();
  return { head, echo };
}

async function withEcho(
  run: (proxy: TestProxy, echo: Awaited<ReturnType<typeof startEchoServers>>) => Promise<void>,
) {
  const upstreams = await startTestUpstreams({ hosts: HTTPS_HOSTS });
  const echo = await startEchoServers(upstreams);
  const proxy = await startTestProxy({
    policy: WS_POLICY,
    upstreams,
    httpsHosts: [],
    httpHosts: [],
    resolve: [
      { host: "ws.example.com", port: 443, address: "127.0.0.1", targetPort: echo.securePort },
      { host: "plain-ws.example.com", port: 80, address: "127.0.0.1", targetPort: echo.plainPort },
    ],
  });
  try {
    await run(proxy, echo);
  } finally {
    await proxy.close();
    await echo.close();
    await upstreams.close();
  }
}

async function interceptedConn(proxy: TestProxy, host: string): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  await conn.write(
    new TextEncoder().encode(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
  );
  const buffer = new Uint8Array(1024);
  let head = "";
  while (!head.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("CONNECT closed");
    head += new TextDecoder().decode(buffer.subarray(0, n));
  }
  assert.match(head, /^HTTP\/1\.1 200 /);
  return await Deno.startTls(conn, {
    hostname: host,
    caCerts: [await Deno.readTextFile(proxy.caPath)],
  });
}

Deno.test("toolchain #13.4: a WebSocket through an intercepted tunnel is decided as its GET, then frames flow both ways", async () => {
  await withEcho(async (proxy, echo) => {
    const conn = await interceptedConn(proxy, "ws.example.com");
    const result = await echoThrough(conn, HANDSHAKE("/ws", "ws.example.com"), "hello");
    assert.match(result.head, /^HTTP\/1\.1 101 /);
    assert.match(result.head, /\r\nupgrade: websocket/i);
    assert.equal(result.echo, "echo hello");
    assert.deepEqual(echo.seen, [{ path: "/ws", key: "dGhlIHNhbXBsZSBub25jZQ==" }]);
    const l7 = proxy.events.filter((e) => e.class_uid === 4002);
    assert.deepEqual(l7.map((e) => e.action_id), [1], "one allowed GET, no other event");
    assert.match(String(l7[0]!.message), /GET .*\/ws/);
  });
});

Deno.test("toolchain #13.4: a denied WebSocket gets the structured 403; plain ws:// is forwarded; h2c is not upgraded", async () => {
  await withEcho(async (proxy, echo) => {
    const denied = await echoThrough(
      await interceptedConn(proxy, "ws.example.com"),
      HANDSHAKE("/admin", "ws.example.com"),
      "x",
    );
    assert.match(denied.head, /^HTTP\/1\.1 403 /);
    assert.equal(echo.seen.length, 0);
    const plain = await echoThrough(
      await Deno.connect({ hostname: "127.0.0.1", port: proxy.port }),
      HANDSHAKE("http://plain-ws.example.com/ws", "plain-ws.example.com"),
      "over http",
    );
    assert.equal(plain.echo, "echo over http");
    const h2c = await rawRequest(proxy.port, [
      "GET http://plain-ws.example.com/h2c HTTP/1.1\r\nHost: plain-ws.example.com\r\n" +
      "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAA\r\n\r\n",
    ]);
    assert.equal(h2c.status, 200);
    assert.equal(h2c.body, "no upgrade: -");
  });
});

Deno.test("toolchain #13.6: binaries: /usr/bin/python3 (a symlink) matches the /usr/bin/python3.11 the proxy sees", async () => {
  const real = await Deno.realPath("/usr/bin/python3");
  assert.notEqual(real, "/usr/bin/python3", "this machine's python3 is a symlink");
  const policy = `version: 1
network_policies:
  py:
    endpoints: [{ host: plain.example.com, port: 80, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/python3 }]
`;
  await withProxy(async (proxy, upstreams) => {
    const script = [
      "import urllib.request",
      "print(urllib.request.urlopen('http://plain.example.com/from-python').status)",
    ].join("\n");
    const url = `http://127.0.0.1:${proxy.port}`;
    const result = await run("/usr/bin/python3", ["-c", script], { http_proxy: url });
    assert.equal(result.stdout.trim(), "200", result.stderr);
    assert.equal(upstreams.requests[0]?.target, "/from-python");
  }, policy);
});

Deno.test("toolchain #13.6: policy validate warns that a script binary (npm) is seen as its interpreter", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-validate-" });
  try {
    const file = join(dir, "p.yaml");
    await Deno.writeTextFile(
      file,
      `version: 1
network_policies:
  npm:
    endpoints: [{ host: registry.npmjs.org, port: 443 }]
    binaries: [{ path: /usr/bin/npm }, { path: /usr/bin/curl }]
`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "main.ts", "policy", "validate", file],
      cwd: join(import.meta.dirname!, ".."),
      env: { NO_COLOR: "1", PATH: "/usr/bin:/bin" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const warnings = out.split("\n").filter((l) => l.includes("warning"));
    assert.deepEqual(warnings, [
      `${file}: warning: binary /usr/bin/npm is a script (#!/usr/bin/env node): the proxy sees ` +
      `its interpreter, never the script; list ${await Deno.realPath("/usr/bin/node")} ` +
      `(the 403's "binary" names it)`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
