/**
 * A descriptor the runner inherited from whatever started it (a harness's socket or pipe,
 * systemd's LISTEN_FDS, a shell's `exec 7<>/dev/tcp/...`) is not the command's: a connected
 * socket is a way out that never meets the proxy, whatever namespace the command runs in.
 * Before, every descriptor the runner got without close-on-exec reached the command.
 */
import assert from "node:assert/strict";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { NO_RULES, runSandboxCli } from "./sandbox_fixtures.ts";
import { withPolicyWorkspace } from "./support/mod.ts";

const ignore = (await detectIsolation()) !== "netns";

/** Starts its arguments with a connected TCP socket to 127.0.0.1:PORT on descriptor 7. */
const LEAKING_PARENT = `import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
os.dup2(s.fileno(), 7, inheritable=True)
os.execvp(sys.argv[2], sys.argv[2:])`;

/** What reached the listener from the first connection, until it closed. */
async function firstConnectionBytes(listener: Deno.Listener): Promise<string> {
  const conn = await listener.accept();
  let text = "";
  const buffer = new Uint8Array(1024);
  try {
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } catch {
    // Reset: what came before is the answer.
  } finally {
    conn.close();
  }
  return text;
}

/** Run `script` in a netns sandbox whose runner holds a socket to `port` on descriptor 7. */
function runWithLeakedSocket(dir: string, port: number, script: string) {
  return runSandboxCli(
    ["--policy", "p", "--isolate", "netns", "--quiet", "--", "sh", "-c", script],
    {
      cwd: dir,
      env: { PATH: Deno.env.get("PATH") ?? "" },
      wrap: ["python3", "-c", LEAKING_PARENT, String(port)],
    },
  );
}

Deno.test({
  name: "hostile sandbox: a socket the runner inherited is closed for the command",
  ignore,
  fn: () =>
    withPolicyWorkspace({ p: NO_RULES }, async (dir) => {
      using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const received = firstConnectionBytes(listener);
      const script = "if echo escaped >&7; then echo sent; else echo closed; fi";
      const run = await runWithLeakedSocket(dir, listener.addr.port, script);
      // The runner has exited: the wrapper's copy of the socket went with it (exec).
      assert.equal(await received, "", "the command wrote past the proxy");
      assert.match(run.stdout, /^closed$/m, run.stdout + run.stderr);
      assert.equal(run.code, 0, run.stderr);
    }, "tg-sbx-fds-"),
});
