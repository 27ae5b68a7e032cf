/**
 * A sandboxed command cannot take the machine's pids or make the kernel's out-of-memory killer
 * end the proxy: a fork loop stops at `--max-processes` (a pids cgroup of the sandbox's own for a
 * root runner, the per-namespace `RLIMIT_NPROC` for others), and its processes are the first the
 * kernel ends when memory runs out, a setting it cannot lower. Run through the real CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NO_RULES, runSandboxCli } from "./sandbox_fixtures.ts";
import { cgroupOf, detectIsolation } from "../proxy/sandbox/mod.ts";

const ignore = (await detectIsolation()) !== "netns";

/** Forks children that sleep until 60 are running or the kernel refuses one; prints the count. */
const FORKS = `import os, time
print("oom_score_adj", open("/proc/self/oom_score_adj").read().strip())
try:
    open("/proc/self/oom_score_adj", "w").write("0")
    print("lowered")
except OSError as error:
    print("not lowered:", error.strerror)
started = 0
try:
    for _ in range(60):
        if os.fork() == 0:
            time.sleep(5)
            os._exit(0)
        started += 1
except OSError as error:
    print("refused:", error.strerror)
print("started", started, flush=True)
`;

Deno.test({
  name: "sandbox: a fork loop stops at --max-processes, and the OOM killer takes the command first",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "tg-nproc-" });
    try {
      await Deno.mkdir(join(dir, "policies"));
      await Deno.writeTextFile(join(dir, "policies", "p.yaml"), NO_RULES);
      const { pid, code, stdout, stderr } = await runSandboxCli(
        ["--policy", "p", "--isolate", "netns", "--max-processes", "32"]
          .concat(["--", "python3", "-c", FORKS]),
        { cwd: dir },
      );
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^oom_score_adj 1000\nnot lowered: .+\n/);
      if (/NO process limit/.test(stderr)) {
        // A root runner where no pids cgroup can be made: the notice says so, and that is all.
        console.warn("skipped the fork count: run as root, and no pids cgroup could be made here");
        return;
      }
      assert.match(stderr, /at most 32 processes and threads/);
      const started = Number(/started (\d+)/.exec(stdout)?.[1]);
      assert.match(stdout, /refused: Resource temporarily unavailable/);
      // The sandbox's init and the python itself count too.
      assert.ok(started >= 20 && started < 32, `started ${started}`);
      await assertCgroupGone(pid);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The runner's pids cgroup (named after its pid) is removed once the command has ended. */
async function assertCgroupGone(runnerPid: number): Promise<void> {
  const parent = cgroupOf(
    await Deno.readTextFile("/proc/self/mountinfo"),
    await Deno.readTextFile("/proc/self/cgroup"),
    "pids",
  );
  if (parent === undefined || Deno.uid() !== 0) return;
  for await (const entry of Deno.readDir(parent)) {
    assert.ok(!entry.name.startsWith(`tollgate-sandbox-${runnerPid}-`), entry.name);
  }
}
