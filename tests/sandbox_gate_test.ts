/**
 * The command is spawned while the forwarder's Deno still starts, its setup done meanwhile, and
 * waits at the gate: it runs once the forwarder listens, and never when the forwarder fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, NetnsSandbox } from "../proxy/sandbox/mod.ts";
import { newBridgeSecret } from "../proxy/sandbox/_preamble.ts";
import { confineStep } from "../proxy/sandbox/confine_step.ts";
import { syscallFilter } from "../proxy/sandbox/syscall_filter.ts";
import { GATE_FD } from "../proxy/sandbox/_setup_script.ts";
import { SYSTEM_PERL } from "../proxy/sandbox/_confine_perl.ts";

const ignore = (await detectIsolation()) !== "netns";
if (ignore) console.error("sandbox_gate_test: skipped: needs user and network namespaces");

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/**
 * A state folder with its public part, a gate (a FIFO) the test holds open to write, and a
 * listener on the bridge socket, which the forwarder opens once as it starts.
 */
async function fixture(): Promise<
  { dir: string; gatePath: string; gate: Deno.FsFile; bridge: Deno.UnixListener }
> {
  const dir = await Deno.makeTempDir({ prefix: "tg-gate-" });
  await Deno.mkdir(join(dir, "state", "public"), { recursive: true });
  const gatePath = join(dir, "state", "gate");
  assert.ok((await new Deno.Command("mkfifo", { args: [gatePath] }).output()).success);
  const gate = await Deno.open(gatePath, { read: true, write: true });
  const bridge = Deno.listen({ transport: "unix", path: join(dir, "state", "proxy.sock") });
  return { dir, gatePath, gate, bridge };
}

/**
 * `touch ran` behind the gate: read by the setup script, or with `step` by the confine step the
 * command runs as (here for the syscall filter alone), whose own start is not waited for.
 */
function spawnTouch(
  sandbox: NetnsSandbox,
  dir: string,
  gate: string,
  step: false | "perl" | "deno" = false,
): Deno.ChildProcess {
  const plain = { command: ["sh", "-c", "touch ran"], env: { PATH: Deno.env.get("PATH") ?? "" } };
  const { command, env } = step
    ? confineStep({ kind: "none" }, plain, {
      workdir: dir,
      shown: [],
      syscallFilter: syscallFilter(Deno.build.arch),
      gateFd: GATE_FD,
      perl: step === "perl" ? SYSTEM_PERL : undefined,
    })
    : plain;
  return sandbox.spawn(command, {
    env,
    confineStep: step !== false,
    cwd: dir,
    hide: join(dir, "state"),
    reveal: join(dir, "state", "public"),
    readOnly: [],
    gate,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  });
}

for (const step of [false, "perl", "deno"] as const) {
  Deno.test({
    name: `NetnsSandbox: a command spawned before the forwarder is up never runs when it fails${
      step ? ` (the confine step waits, in ${step})` : ""
    }`,
    ignore,
    fn: async () => {
      const { dir, gatePath, gate, bridge } = await fixture();
      try {
        // The capture listener takes the forwarder's own port: it fails after the namespaces exist.
        const sandbox = await NetnsSandbox.enter({
          socketPath: join(dir, "state", "proxy.sock"),
          port: 8080,
          secret: newBridgeSecret(),
          baseEnv: { PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") },
          capturePorts: [8080],
        });
        const child = spawnTouch(sandbox, dir, gatePath, step);
        await assert.rejects(sandbox.ready, /Cannot start the sandbox network namespace/);
        // The runner closes the gate without a word: the script stops there.
        gate.close();
        const out = await child.output();
        await sandbox.close();
        assert.equal(out.code, 1);
        assert.ok(!(await exists(join(dir, "ran"))));
      } finally {
        try {
          gate.close();
        } catch {
          // Closed above.
        }
        bridge.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "NetnsSandbox: a command spawned before the forwarder is up runs once it is told go",
  ignore,
  fn: async () => {
    const { dir, gatePath, gate, bridge } = await fixture();
    try {
      const sandbox = await NetnsSandbox.enter({
        socketPath: join(dir, "state", "proxy.sock"),
        port: 8080,
        secret: newBridgeSecret(),
        baseEnv: { PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") },
      });
      const child = spawnTouch(sandbox, dir, gatePath);
      await sandbox.ready;
      await gate.write(new TextEncoder().encode("go\n"));
      const out = await child.output();
      gate.close();
      await sandbox.close();
      assert.equal(out.code, 0);
      assert.ok(await exists(join(dir, "ran")));
    } finally {
      bridge.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
