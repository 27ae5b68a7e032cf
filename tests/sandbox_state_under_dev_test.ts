/**
 * `sandbox run` with its state directory under `/dev` (a working directory in `/dev/shm`, or
 * `--state /dev/shm/x`): Deno refuses every path under `/dev`, `/proc` and `/sys` to a process
 * without `--allow-all`, so the netns forwarder (narrow permissions) could not open its bridge
 * socket there, and every request of the command got an empty reply with nothing said. The run
 * is now refused at start in one line that says what to do; env mode, which has no forwarder,
 * still runs there, and so does a netns sandbox with `--state` outside `/dev`.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { runSandboxCli } from "./sandbox_fixtures.ts";

const netnsAvailable = (await detectIsolation()) === "netns";
const shmWritable = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "tg-probe-" })
  .then((dir) => Deno.remove(dir).then(() => true), () => false);
const CURL_POLICY = "curl -sS -m 10 http://policy.local/v1/policy/current";
const REFUSED =
  /^error: Cannot start a netns sandbox with its state directory ".*" under \/dev: .*pass --state DIR outside \/dev, \/proc and \/sys\n$/;

/** A working directory in /dev/shm holding `policies/p.yaml` (no rules), removed afterwards. */
async function withShmWorkspace(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "tg-sbx-shm-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), "version: 1\nnetwork_policies: {}\n");
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function run(dir: string, args: string[]) {
  const env = { PATH: Deno.env.get("PATH") ?? "", RUST_BACKTRACE: "0" };
  return runSandboxCli(["--policy", "p", ...args, "--", "sh", "-c", CURL_POLICY], {
    cwd: dir,
    env,
  });
}

Deno.test({
  name: "sandbox run: a netns sandbox with its state under /dev is refused in one line",
  ignore: !netnsAvailable || !shmWritable,
  fn: () =>
    withShmWorkspace(async (dir) => {
      // The state in the working directory (no --state), and named with --state.
      for (const state of [[], ["--state", join(dir, "elsewhere")]]) {
        for (const isolate of ["netns", "auto"]) {
          const result = await run(dir, [...state, "--isolate", isolate]);
          const what = `${isolate} ${state.join(" ")}: ${result.stdout} ${result.stderr}`;
          assert.equal(result.code, 1, what);
          assert.match(result.stderr, REFUSED, what);
          assert.equal(result.stdout, "", what);
        }
      }
      // Refused before anything is made: no CA, no sandbox folder.
      assert.ok(!existsSync(join(dir, ".tollgate", "ca")));
      assert.ok(!existsSync(join(dir, "elsewhere", "ca")));
    }),
});

Deno.test({
  name: "sandbox run: with the state outside /dev, a netns sandbox in /dev/shm reaches its proxy",
  ignore: !netnsAvailable || !shmWritable,
  fn: () =>
    withShmWorkspace(async (dir) => {
      const state = await Deno.makeTempDir({ prefix: "tg-sbx-state-" });
      try {
        const netns = await run(dir, ["--state", state, "--isolate", "netns", "--quiet"]);
        assert.equal(netns.code, 0, netns.stderr);
        assert.equal(JSON.parse(netns.stdout).format, "yaml");
        // Env mode has no forwarder: the state under /dev does not stop it (the control).
        const env = await run(dir, ["--isolate", "env"]);
        assert.equal(env.code, 0, env.stderr);
        assert.equal(JSON.parse(env.stdout).format, "yaml");
      } finally {
        await Deno.remove(state, { recursive: true });
      }
    }),
});

Deno.test("runSandbox(): netns with the state under /dev throws before making anything", async () => {
  for (const stateDir of ["/dev/shm/tg-absent/.tollgate", "/proc/../dev/x", "/sys/fs/x"]) {
    await assert.rejects(
      runSandbox({
        command: ["true"],
        isolation: "netns",
        stateDir,
        caPem: "",
        startProxy: () => Promise.reject(new Error("not reached")),
        stdio: "null",
      }),
      (error) => error instanceof TypeError && / under \/(dev|sys): /.test(error.message),
    );
    assert.ok(!existsSync(stateDir), stateDir);
  }
});
