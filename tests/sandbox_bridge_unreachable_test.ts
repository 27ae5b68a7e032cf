/**
 * The forwarder (the sandbox's in-namespace half of the bridge to its proxy) when it cannot open
 * its bridge socket. Before, it said nothing: it started, listened, and every request of the
 * command got an empty reply (curl 52), with no word on either side. Now its start stops in one
 * line that says what to do, and a request after a later failure gets a readable `502`.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { join } from "node:path";
import { detectIsolation, NetnsSandbox } from "../proxy/sandbox/mod.ts";
import { newBridgeSecret } from "../proxy/sandbox/_preamble.ts";
import { runSandboxCli } from "./sandbox_fixtures.ts";

const netnsAvailable = (await detectIsolation()) === "netns";
const shmWritable = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "tg-probe-" })
  .then((dir) => Deno.remove(dir).then(() => true), () => false);

Deno.test({
  name: "NetnsSandbox.start(): a bridge socket Deno refuses stops the forwarder in one line",
  ignore: !netnsAvailable || !shmWritable,
  fn: async () => {
    // A listening socket under /dev/shm: there, Deno refuses the forwarder (no --allow-all).
    const dir = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "tg-bridge-" });
    const server = net.createServer((socket) => socket.destroy());
    const socketPath = join(dir, "proxy.sock");
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const logged: string[] = [];
    try {
      await assert.rejects(
        NetnsSandbox.start({
          socketPath,
          port: 3128,
          secret: newBridgeSecret(),
          baseEnv: Deno.env.toObject(),
          onForwarderLog: (line) => logged.push(line),
          readyTimeoutMs: 60_000,
        }),
        (error: Error) =>
          /^Cannot start the sandbox network namespace: tollgate forwarder: cannot open the bridge socket ".*proxy\.sock" to the sandbox's proxy: Requires all access .*; pass --state DIR outside \/dev, \/proc and \/sys$/
            .test(error.message),
      );
      assert.equal(logged.length, 1, logged.join("\n"));
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * The command, once started (so its forwarder listens), waits until the test says `go` (a file
 * in its folder), then asks for policy.local's current policy (curl's status and body, then
 * Python's reading of the error, and a raw request that starts 2.5 s after its connection) and
 * for a captured plain-HTTP name (`--noproxy '*'`); the
 * test removes the bridge socket first, as a cleanup that took the wrong folder would.
 */
const SCRIPT = `touch started
while [ ! -e go ]; do sleep 0.05; done
curl -sS -m 20 -o body.txt -w '%{http_code}' http://policy.local/v1/policy/current > status.txt 2> curl.err
curl -sS -m 20 --noproxy '*' -o /dev/null -w '%{http_code}' http://plain.test/ > captured.txt 2>&1
python3 - <<'EOF' > python.txt 2>&1
import urllib.request, urllib.error
try:
    urllib.request.urlopen("http://policy.local/v1/policy/current", timeout=20)
except urllib.error.HTTPError as error:
    print(error.code, error.reason)
EOF
python3 - <<'EOF' > slow.txt 2>&1
import os, socket, time, urllib.parse
proxy = urllib.parse.urlsplit(os.environ["http_proxy"])
s = socket.create_connection((proxy.hostname, proxy.port), timeout=20)
time.sleep(2.5)  # a head that starts late (a loaded machine, a slow client)
s.sendall(b"GET http://policy.local/v1/policy/current HTTP/1.1\\r\\nHost: policy.local\\r\\n\\r\\n")
got = b""
try:
    while chunk := s.recv(4096):
        got += chunk
except OSError as error:
    got += f" <{error}>".encode()
print(got.split(b"\\r\\n")[0].decode())
EOF
`;

Deno.test({
  name: "sandbox run: a request after the bridge socket went gets a readable 502, and a line",
  ignore: !netnsAvailable,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "tg-bridge-gone-" });
    const state = join(dir, "state");
    try {
      await Deno.mkdir(join(dir, "policies"));
      await Deno.writeTextFile(
        join(dir, "policies", "p.yaml"),
        "version: 1\nnetwork_policies: {}\n",
      );
      const running = runSandboxCli(
        [
          "--policy",
          "p",
          "--state",
          state,
          "--isolate",
          "netns",
          "--quiet",
          "--",
          "sh",
          "-c",
          SCRIPT,
        ],
        { cwd: dir, env: { PATH: "/usr/bin:/bin", RUST_BACKTRACE: "0" } },
      );
      const socket = await bridgeSocket(join(state, "sandboxes"), dir);
      await Deno.remove(socket);
      await Deno.writeTextFile(join(dir, "go"), "");
      const result = await running;
      assert.equal(result.code, 0, result.stderr);
      const read = (name: string) => Deno.readTextFile(join(dir, name));
      assert.equal(await read("status.txt"), "502", await read("curl.err"));
      const body = JSON.parse(await read("body.txt"));
      assert.equal(body.error, "proxy_unreachable");
      assert.match(body.message, /cannot open the bridge socket .*: start the sandbox again$/);
      assert.match(await read("python.txt"), /^502 Tollgate sandbox cannot reach its proxy, /);
      // A client that sends nothing for 2.5 s, then its request: the 502 too (was a close).
      assert.match(await read("slow.txt"), /^HTTP\/1\.1 502 Tollgate sandbox cannot reach/);
      // A client that ignores the proxy variables, captured in transparent mode, too.
      assert.equal(await read("captured.txt"), "502");
      // One line on the runner's standard error, however many requests failed.
      const lines = result.stderr.split("\n").filter((line) => line.includes("bridge socket"));
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /^tollgate forwarder: cannot open the bridge socket .*again$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The one sandbox's bridge socket below `sandboxes`, once its command runs (`dir/started`). */
async function bridgeSocket(sandboxes: string, dir: string): Promise<string> {
  for (let tries = 0; tries < 1200; tries++) {
    const started = await Deno.lstat(join(dir, "started")).then(() => true, () => false);
    const names = started ? await Array.fromAsync(Deno.readDir(sandboxes)) : [];
    for (const entry of names) {
      const path = join(sandboxes, entry.name, "proxy.sock");
      if (await Deno.lstat(path).then((info) => info.isSocket, () => false)) return path;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no sandbox started with a bridge socket below ${sandboxes}`);
}

Deno.test({
  name: "sandbox run: a netns sandbox whose state path holds a comma is refused in one line",
  ignore: !netnsAvailable,
  fn: async () => {
    // Before, the forwarder's Deno did not start: six lines ending "invalid host 'b/.tollgate/…'".
    const dir = await Deno.makeTempDir({ prefix: "tg-a,b-" });
    try {
      await Deno.mkdir(join(dir, "policies"));
      await Deno.writeTextFile(
        join(dir, "policies", "p.yaml"),
        "version: 1\nnetwork_policies: {}\n",
      );
      const result = await runSandboxCli(["--policy", "p", "--isolate", "netns", "--", "true"], {
        cwd: dir,
        env: { PATH: "/usr/bin:/bin", RUST_BACKTRACE: "0" },
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^error: Cannot start a netns sandbox .*without one\n$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
