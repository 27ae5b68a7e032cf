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

/**
 * The script the /dev/shm working directory test runs: what the command sees of the host's
 * /dev/shm (a sibling of its working directory), of its own folder there, and whether POSIX
 * shared memory works (Python's `multiprocessing.Lock()` makes a semaphore in /dev/shm).
 */
const shmScript = (sibling: string) =>
  [
    `if [ -e ${sibling}/host.txt ]; then echo "sibling seen"; else echo "sibling hidden"; fi`,
    "cat mine.txt",
    "echo written > out.txt",
    "python3 -c 'import multiprocessing as m; l = m.Lock(); l.acquire(); print(\"lock ok\")' 2>&1",
    "echo x > /dev/shm/tg-own-shm && echo shm writable",
  ].join("\n");

Deno.test({
  name: "sandbox run: a netns sandbox in /dev/shm gets a /dev/shm of its own, its folder kept",
  ignore: !netnsAvailable || !shmWritable,
  fn: () =>
    withShmWorkspace(async (dir) => {
      // A file of the host's beside the working directory: the command must not see it.
      const sibling = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "tg-sbx-sibling-" });
      const state = await Deno.makeTempDir({ prefix: "tg-sbx-state-" });
      await Deno.writeTextFile(join(sibling, "host.txt"), "host\n");
      await Deno.writeTextFile(join(dir, "mine.txt"), "mine\n");
      try {
        for (const policy of [NO_FILES_POLICY, CONFINED_POLICY]) {
          await Deno.writeTextFile(join(dir, "policies", "p.yaml"), policy);
          const result = await runSandboxCli([
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
            shmScript(sibling),
          ], { cwd: dir, env: { PATH: "/usr/bin:/bin", RUST_BACKTRACE: "0" } });
          const what = `${policy}: ${result.stdout} ${result.stderr}`;
          assert.equal(result.code, 0, what);
          assert.deepEqual(
            result.stdout.trim().split("\n"),
            ["sibling hidden", "mine", "lock ok", "shm writable"],
            what,
          );
          // What it wrote in its folder is on the host; what it wrote in /dev/shm is not.
          assert.equal(await Deno.readTextFile(join(dir, "out.txt")), "written\n");
          assert.ok(!existsSync("/dev/shm/tg-own-shm"), what);
        }
      } finally {
        await Deno.remove(sibling, { recursive: true });
        await Deno.remove(state, { recursive: true });
        await Deno.remove("/dev/shm/tg-own-shm").catch(() => {});
      }
    }),
});

Deno.test({
  name: "sandbox run: a netns sandbox in /dev/shm itself is refused in one line",
  ignore: !netnsAvailable || !shmWritable,
  fn: async () => {
    const state = await Deno.makeTempDir({ prefix: "tg-sbx-state-" });
    try {
      const args = ["--policies", join(state, "policies"), "--state", state, "--isolate", "netns"];
      await Deno.mkdir(join(state, "policies"));
      await Deno.writeTextFile(join(state, "policies", "p.yaml"), NO_FILES_POLICY);
      const result = await runSandboxCli(["--policy", "p", ...args, "--", "true"], {
        cwd: "/dev/shm",
        env: { PATH: "/usr/bin:/bin", RUST_BACKTRACE: "0" },
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^error: Cannot run a netns sandbox in \/dev\/shm itself: .*\n$/);
    } finally {
      await Deno.remove(state, { recursive: true });
    }
  },
});

const NO_FILES_POLICY = "version: 1\nnetwork_policies: {}\n";
const CONFINED_POLICY =
  "version: 1\nfilesystem_policy:\n  include_workdir: true\nnetwork_policies: {}\n";
