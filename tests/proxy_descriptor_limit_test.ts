/**
 * The real `tollgate proxy` under a small open-file limit (`prlimit --nofile`): one client that
 * holds many kept-alive connections, each of which has reached several origins, or that starts
 * responses and resets its connections over and over, must not run the proxy out of
 * descriptors: another client is still answered.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rawRequest, type RecordedRequest, startTestUpstreams } from "./support/mod.ts";
import { startScriptedUpstream } from "./scripted_upstream.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const LIMIT = 128;
const HOSTS = ["h0.example", "h1.example", "h2.example", "h3.example"];
const POLICY = `version: 1
network_policies:
  origins:
    endpoints:
${
  HOSTS.map((host) => `      - { host: ${host}, port: 80 }\n`).join("")
}    binaries: [{ path: "/**" }]
`;

const prlimit = await findPrlimit();

Deno.test({
  name:
    "proxy under a small descriptor limit: a client holding many connections leaves room for another",
  ignore: prlimit === undefined,
  async fn() {
    // Each origin holds its answers until all 30 requests of a round are in: 30 upstream
    // connections per origin, not one answering the clients in turn.
    const upstreams = await startTestUpstreams({ beforeResponse: gatePerHost(30) });
    const dir = await Deno.makeTempDir({ prefix: "tollgate-fd-limit-" });
    const proxy = await spawnProxy(prlimit!, dir, upstreams.httpPort);
    const held: Deno.Conn[] = [];
    try {
      // 30 of the 36 connections the limit allows (2 descriptors each, and a reserve), each
      // kept alive across four origins: four idle upstream connections per client if kept.
      for (let i = 0; i < 30; i++) held.push(await connect(proxy.port));
      const statuses: number[] = [];
      for (const host of HOSTS) {
        statuses.push(...await Promise.all(held.map((conn) => askOn(conn, host))));
      }
      const victim = await rawRequest(proxy.port, get("h0.example", "close"), { timeoutMs: 4_000 });
      assert.equal(victim.status, 200, `another client: ${victim.head || "no answer"}`);
      assert.deepEqual(statuses.filter((s) => s !== 200), [], "the holder's answers");
    } finally {
      for (const conn of held) closeQuietly(conn);
      await proxy.stop();
      await upstreams.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "proxy under a small descriptor limit: a client resetting mid-response leaves room for another",
  ignore: prlimit === undefined,
  async fn() {
    // Every answer starts and never ends: before, each reset left its upstream connection open
    // for up to 300 s while the client's slot of the cap was given back (EMFILE after ~90).
    const stalled = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nstart";
    const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const upstream = await startScriptedUpstream(({ target }) => ({
      send: target === "/ok" ? ok : stalled,
    }));
    const dir = await Deno.makeTempDir({ prefix: "tollgate-fd-reset-" });
    const proxy = await spawnProxy(prlimit!, dir, upstream.port);
    try {
      let started = 0;
      for (let i = 0; i < 3 * LIMIT && await startAndReset(proxy.port, `/${i}`); i++) started++;
      assert.equal(started, 3 * LIMIT, `${started} of ${3 * LIMIT} responses started`);
      const victim = await rawRequest(
        proxy.port,
        get("h0.example", "close").replace(" / ", " /ok "),
      );
      assert.equal(victim.status, 200, `another client: ${victim.head || "no answer"}`);
      // The proxy's own (about 30), not one per abandoned exchange.
      const open = [...Deno.readDirSync(`/proc/${proxy.pid}/fd`)].length;
      assert.ok(open < LIMIT / 2, `${open} descriptors open`);
    } finally {
      await proxy.stop();
      await upstream.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Start a response on a new connection, then reset it; false when none started. */
async function startAndReset(port: number, path: string): Promise<boolean> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  // Listened for at once: a proxy out of descriptors may close it before any answer.
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.write(get("h0.example", "keep-alive").replace(" / ", ` ${path} `));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const started = await new Promise<boolean>((resolve) => {
    socket.once("data", () => resolve(true));
    timer = setTimeout(() => resolve(false), 4_000);
  });
  clearTimeout(timer);
  socket.resetAndDestroy();
  await closed;
  return started;
}

/** Hold each host's answers until `count` of its requests arrived (for good if they never do). */
function gatePerHost(count: number): (request: RecordedRequest) => Promise<void> {
  const gates = new Map<string, { arrived: number; open: PromiseWithResolvers<void> }>();
  return (request) => {
    const host = request.headers.find(([name]) => name.toLowerCase() === "host")?.[1] ?? "";
    let gate = gates.get(host);
    if (gate === undefined) {
      gate = { arrived: 0, open: Promise.withResolvers<void>() };
      gates.set(host, gate);
    }
    if (++gate.arrived >= count) gate.open.resolve();
    return gate.open.promise;
  };
}

async function findPrlimit(): Promise<string | undefined> {
  for (const path of ["/usr/bin/prlimit", "/bin/prlimit"]) {
    if (await Deno.stat(path).then(() => true, () => false)) return path;
  }
  console.warn("proxy_descriptor_limit_test: skipped, prlimit (util-linux) is not installed");
  return undefined;
}

async function spawnProxy(prlimitPath: string, dir: string, upstreamPort: number) {
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "p.yaml"), POLICY);
  const resolve = HOSTS.flatMap((host) => [
    "--resolve",
    `${host}:80:127.0.0.1:${upstreamPort}`,
  ]);
  const args = [`--nofile=${LIMIT}:${LIMIT}`, Deno.execPath(), "run", "-A", "--quiet", MAIN];
  args.push("proxy", "--policy", "p", "--policies", join(dir, "policies"));
  args.push("--state", join(dir, "state"), "--listen", "127.0.0.1:0", ...resolve);
  const child = new Deno.Command(prlimitPath, { args, stdout: "piped", stderr: "null" }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    line += value;
  }
  const port = Number(/listening on 127\.0\.0\.1:(\d+) /.exec(line)?.[1]);
  const stop = async () => {
    child.kill("SIGTERM");
    await reader.cancel();
    await child.status;
  };
  if (!port) {
    await stop();
    throw new Error(`The proxy did not start: ${line}`);
  }
  return { port, pid: child.pid, stop };
}

function connect(port: number): Promise<Deno.Conn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

function get(host: string, connection: "keep-alive" | "close"): string {
  return `GET http://${host}/ HTTP/1.1\r\nHost: ${host}\r\nConnection: ${connection}\r\n\r\n`;
}

/** One kept-alive request on `conn`: the status of its whole response (0 when none came). */
async function askOn(conn: Deno.Conn, host: string): Promise<number> {
  await conn.write(new TextEncoder().encode(get(host, "keep-alive"))).catch(() => {});
  const buffer = new Uint8Array(16 * 1024);
  let raw = "";
  const timer = setTimeout(() => closeQuietly(conn), 4_000);
  try {
    for (;;) {
      const end = raw.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end));
      if (end !== -1 && length !== null && raw.length >= end + 4 + Number(length[1])) break;
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      raw += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}

/** Close a connection that askOn()'s timeout may have closed already. */
function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}
