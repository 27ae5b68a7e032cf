/**
 * A netns sandbox's command cannot reach the host's Unix sockets by path. The network namespace
 * holds abstract sockets and TCP, but a socket file on a shared filesystem answers any process
 * that can name it: a desktop bus (`systemd-run --user` starts commands outside the sandbox), a
 * Docker daemon (root on the host), an ssh-agent or ssh master connection (the user's keys, and
 * connections that never meet the proxy), a tmux server. Each is a way past the proxy.
 *
 * Also: the host's POSIX shared memory (`/dev/shm`) is not the sandbox's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import {
  baseOptions,
  hostSocket,
  UNIX_SOCKET_CLIENT,
  withState,
  withUpstream,
} from "./sandbox_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns";

/** Run `fn` with a host Unix socket server at `path` answering "pong from the host". */
async function withHostSocket(path: string, fn: () => Promise<void>): Promise<void> {
  const server = hostSocket(path);
  try {
    await fn();
  } finally {
    await server.close();
  }
}

async function runInside(state: string, port: number, command: string[]): Promise<string> {
  const code = await runSandbox({
    ...await baseOptions(state, port),
    command: ["sh", "-c", '"$@" > out.txt 2>&1', "sh", ...command],
    isolation: "netns",
  });
  const out = await Deno.readTextFile(join(state, "out.txt"));
  assert.equal(code, 0, out);
  return out;
}

Deno.test({
  name: "sandbox: a host Unix socket bound before the run cannot be reached by its path",
  ignore,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        const hostDir = await Deno.makeTempDir({ prefix: "tg-host-sock-" });
        const path = join(hostDir, "agent.sock");
        try {
          await withHostSocket(path, async () => {
            const out = await runInside(state, port, ["python3", "-c", UNIX_SOCKET_CLIENT, path]);
            assert.match(out, /^refused:/m, out);
            assert.doesNotMatch(out, /pong/);
          });
        } finally {
          await Deno.remove(hostDir, { recursive: true });
        }
      })
    ),
});

Deno.test({
  name: "sandbox: the command's own Unix sockets still work, in its folder and in /tmp",
  ignore,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        const script = `import os, socket, sys, tempfile
for where in (".", tempfile.mkdtemp()):
    path = os.path.join(where, "own.sock")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(1)
    client = socket.socket(socket.AF_UNIX)
    client.connect(path)
    peer, _ = server.accept()
    client.sendall(b"ok")
    print("own socket:", peer.recv(2).decode())
    os.unlink(path)
`;
        const out = await runInside(state, port, ["python3", "-c", script]);
        assert.equal(out, "own socket: ok\nown socket: ok\n");
      })
    ),
});

Deno.test({
  name: "sandbox: the host's POSIX shared memory (/dev/shm) is not visible inside",
  ignore,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        const name = `tg-shm-${crypto.randomUUID()}`;
        await Deno.writeTextFile(`/dev/shm/${name}`, "host secret");
        try {
          const out = await runInside(state, port, [
            "sh",
            "-c",
            `cat /dev/shm/${name} || echo hidden; echo mine > /dev/shm/own && cat /dev/shm/own`,
          ]);
          assert.doesNotMatch(out, /host secret/);
          assert.match(out, /hidden\nmine\n$/);
          assert.equal(await Deno.readTextFile(`/dev/shm/${name}`), "host secret");
          await assert.rejects(Deno.stat("/dev/shm/own"));
        } finally {
          await Deno.remove(`/dev/shm/${name}`).catch(() => {});
        }
      })
    ),
});

Deno.test({
  name: "sandbox: a socket bound in the runner's runtime folder after the start is not reached",
  ignore,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        const runtimeDir = await Deno.makeTempDir({ prefix: "tg-runtime-" });
        const saved = Deno.env.get("XDG_RUNTIME_DIR");
        Deno.env.set("XDG_RUNTIME_DIR", runtimeDir);
        const path = join(runtimeDir, "bus");
        try {
          // The command waits for the host's socket, which appears only once it runs.
          const wait = `touch started; while [ ! -e go ]; do sleep 0.02; done; ls -A ${runtimeDir}`;
          const running = runInside(state, port, [
            "sh",
            "-c",
            `${wait}; python3 -c "$0" ${path}`,
            UNIX_SOCKET_CLIENT,
          ]);
          while (!(await Deno.stat(join(state, "started")).then(() => true, () => false))) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await withHostSocket(path, async () => {
            await Deno.writeTextFile(join(state, "go"), "");
            const out = await running;
            assert.match(out, /^refused:/m, out);
            assert.doesNotMatch(out, /^bus$/m);
          });
        } finally {
          if (saved === undefined) Deno.env.delete("XDG_RUNTIME_DIR");
          else Deno.env.set("XDG_RUNTIME_DIR", saved);
          await Deno.remove(runtimeDir, { recursive: true });
        }
      })
    ),
});
