/**
 * Resource exhaustion from a hostile sandbox (issue #12 items 9 and 10): file descriptors and
 * chunk floods. The proxy must keep serving others and keep enforcing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestUpstreams, writeAll } from "./support/mod.ts";
import { DENIED_REQUEST, RESOURCE_POLICY } from "./hostile_fixtures.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ChildProxy {
  port: number;
  pid: number;
  stderr: () => Promise<string>;
  stop(): Promise<void>;
}

/** `tollgate proxy` as a child process under `ulimit -n <fds>`. */
async function startChildProxy(dir: string, fds: number, extra: string[] = []) {
  const policies = join(dir, "policies");
  await Deno.mkdir(policies, { recursive: true });
  await Deno.writeTextFile(join(policies, "demo.yaml"), RESOURCE_POLICY);
  const args = [
    "run",
    "-A",
    "--quiet",
    MAIN,
    "proxy",
    "--policy",
    "demo",
    "--policies",
    policies,
    "--state",
    join(dir, "state"),
    "--listen",
    "127.0.0.1:0",
    ...extra,
  ];
  const quoted = [Deno.execPath(), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`);
  const child = new Deno.Command("bash", {
    args: ["-c", `ulimit -n ${fds} && exec ${quoted.join(" ")}`],
    stdout: "piped",
    stderr: "piped",
    env: { RUST_BACKTRACE: "0" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let ready = "";
  while (!ready.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    ready += value;
  }
  const stop = async () => {
    child.kill("SIGTERM");
    await child.status;
    await reader.cancel().catch(() => {});
    await stderr.catch(() => "");
  };
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(ready)?.[1]);
  if (!(port > 0)) {
    await stop();
    assert.fail(`The proxy did not start: ${ready} ${await stderr}`);
  }
  return { port, pid: child.pid, stderr: () => stderr, stop } satisfies ChildProxy;
}

/** Send one request on a new connection; the status line, or undefined when none came. */
async function statusLine(port: number, request: string, timeoutMs: number) {
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return undefined;
  }
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    return n === null
      ? undefined
      : new TextDecoder().decode(buffer.subarray(0, n)).split("\r\n")[0];
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Closed by the timer.
    }
  }
}

Deno.test("hostile #9: a proxy flooded past its descriptor limit serves again once the flood closes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-fds-" });
  const proxy = await startChildProxy(dir, 64);
  const flood: Deno.Conn[] = [];
  try {
    assert.match(await statusLine(proxy.port, DENIED_REQUEST, 5_000) ?? "", / 403 /);
    // Far more connections than 64 descriptors allow: the kernel queues them, the proxy
    // accepts until it runs out of descriptors.
    for (let i = 0; i < 200; i++) {
      flood.push(await Deno.connect({ hostname: "127.0.0.1", port: proxy.port }));
    }
    await sleep(1_000);
    for (const conn of flood.splice(0)) conn.close();
    // A client that arrives while the listener recovers may be reset: clients retry.
    let answer: string | undefined;
    for (const end = Date.now() + 20_000; answer === undefined && Date.now() < end;) {
      answer = await statusLine(proxy.port, DENIED_REQUEST, 3_000);
      if (answer === undefined) await sleep(200);
    }
    assert.match(answer ?? "no answer", / 403 /);
  } finally {
    for (const conn of flood) conn.close();
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Resident memory of a process, in bytes. */
async function rss(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) * 1024;
}

/** Read until the first response is complete or the connection closes. */
async function firstResponse(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(64 * 1024);
  const complete = () => {
    const end = text.indexOf("\r\n\r\n");
    const length = Number(/content-length: *(\d+)/i.exec(text)?.[1] ?? NaN);
    return end !== -1 && text.length >= end + 4 + length;
  };
  while (!complete()) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text;
}

/** `conn.write()` may write only part of the bytes. */

/** Write a chunked POST of `count` one-byte chunks, then read the whole answer. */
async function chunkFlood(port: number, count: number): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const head = "POST http://plain.example.com/upload/x HTTP/1.1\r\nHost: plain.example.com\r\n" +
    "Transfer-Encoding: chunked\r\n\r\n";
  const block = new TextEncoder().encode("1\r\nx\r\n".repeat(10_000));
  const reading = firstResponse(conn);
  try {
    await writeAll(conn, new TextEncoder().encode(head));
    for (let sent = 0; sent < count; sent += 10_000) await writeAll(conn, block);
    await writeAll(conn, new TextEncoder().encode("0\r\n\r\n"));
  } catch {
    // The proxy refused and closed: what it answered is what counts.
  }
  const answer = await reading;
  try {
    conn.close();
  } catch {
    // The readable already closed it.
  }
  return answer;
}

Deno.test("hostile #10: a million one-byte chunks are refused (400) with bounded memory while others are served", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-chunks-" });
  const upstreams = await startTestUpstreams({ hosts: ["plain.example.com"] });
  const resolve = ["--resolve", `plain.example.com:80:127.0.0.1:${upstreams.httpPort}`];
  const proxy = await startChildProxy(dir, 4096, resolve);
  try {
    const before = await rss(proxy.pid);
    let peak = before;
    let flooding = true;
    const sampling = (async () => {
      while (flooding) {
        peak = Math.max(peak, await rss(proxy.pid).catch(() => 0));
        await sleep(25);
      }
    })();
    const flood = chunkFlood(proxy.port, 1_000_000);
    // Another client is answered while the flood is being handled.
    const other = await statusLine(proxy.port, DENIED_REQUEST, 10_000);
    const answer = await flood;
    flooding = false;
    await sampling;
    assert.match(other ?? "no answer", / 403 /);
    assert.match(answer, /^HTTP\/1\.1 400 /, answer.slice(0, 200));
    assert.match(answer, /chunk/i);
    assert.equal(upstreams.requests.length, 0, "the flood reached upstream");
    // Loose bound: the unbounded decoder grew by 300 MB and more.
    assert.ok(peak - before < 64 * 1024 * 1024, `grew by ${(peak - before) >> 20} MB`);
  } finally {
    await proxy.stop();
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
  }
});
