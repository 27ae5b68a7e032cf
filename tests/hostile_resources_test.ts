/**
 * Resource exhaustion from a hostile sandbox (issue #12): file descriptors, chunk floods and a
 * full disk under the audit log. The proxy must keep serving others and keep enforcing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const POLICY = `version: 1
network_policies:
  gh_ro:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;
const DENIED = "GET http://denied.example.com/ HTTP/1.1\r\nHost: denied.example.com\r\n\r\n";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ChildProxy {
  port: number;
  stderr: () => Promise<string>;
  stop(): Promise<void>;
}

/** `tollgate proxy` as a child process under `ulimit -n <fds>`. */
async function startChildProxy(dir: string, fds: number, extra: string[] = []) {
  const policies = join(dir, "policies");
  await Deno.mkdir(policies, { recursive: true });
  await Deno.writeTextFile(join(policies, "demo.yaml"), POLICY);
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
  return { port, stderr: () => stderr, stop } satisfies ChildProxy;
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
    assert.match(await statusLine(proxy.port, DENIED, 5_000) ?? "", / 403 /);
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
      answer = await statusLine(proxy.port, DENIED, 3_000);
      if (answer === undefined) await sleep(200);
    }
    assert.match(answer ?? "no answer", / 403 /);
  } finally {
    for (const conn of flood) conn.close();
    await proxy.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
