/**
 * A sandboxed command cannot stall the proxy or the machine through CPU, memory or tmpfs: it
 * runs at `--nice` (which it cannot lower, nor leave for real-time scheduling, even where the
 * runner's limits would let it), a root runner weighs the whole sandbox as one process of that
 * nice and bounds its memory (`--max-memory-mb`) in cgroups of its own, and every tmpfs it gets
 * is cut to a share of that bound, full with `ENOSPC`. Run through the real CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NO_RULES, runSandboxCli } from "./sandbox_fixtures.ts";
import {
  cgroupOf,
  defaultMaxMemoryMb,
  detectIsolation,
  probeLandlock,
  tmpfsBounds,
} from "../proxy/sandbox/mod.ts";

const ignore = (await detectIsolation()) !== "netns";
const asRoot = Deno.uid() === 0;

/** Its nice; then every way back up (a reduction, real time), and a new session's nice/cgroup. */
const PRIORITY = `import os
print("nice", os.nice(0))
for name, attempt in [
    ("lower", lambda: os.nice(-1)),
    ("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, 0, 0)),
    ("fifo", lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))),
]:
    try:
        attempt()
        print(name, "allowed")
    except OSError as error:
        print(name, "refused:", error.strerror)
if os.fork() == 0:
    os.setsid()
    cpu = [l for l in open("/proc/self/cgroup") if ":cpu:" in l or l.startswith("0::")]
    print("session nice", os.nice(0), "cgroup", cpu[0].strip().split(":", 2)[2], flush=True)
    os._exit(0)
os.wait()
`;

/** A policy-free sandbox in a fresh folder, `args` before `--`, `script` as `sh -c`. */
async function sandboxed(
  args: string[],
  script: string,
  options: { policy?: string; wrap?: string[] } = {},
): Promise<{ pid: number; stdout: string; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "tg-bounds-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), options.policy ?? NO_RULES);
    const run = await runSandboxCli(
      ["--policy", "p", "--isolate", "netns", ...args, "--", "sh", "-c", script],
      { cwd: dir, wrap: options.wrap },
    );
    assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
    return run;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "sandbox: the command runs at --nice and cannot lower it, nor run in real time",
  ignore,
  fn: async () => {
    // A runner whose limits would allow both (a desktop user in the audio group has rtprio),
    // where this one may raise its hard limits (CAP_SYS_RESOURCE).
    const raise = ["prlimit", "--nice=40", "--rtprio=99", "--"];
    const raised = await new Deno.Command(raise[0]!, { args: [...raise.slice(1), "true"] })
      .output().then((out) => out.success, () => false);
    const wrap = raised ? raise : [];
    const { pid, stdout, stderr } = await sandboxed(
      ["--nice", "15"],
      `python3 -c '${PRIORITY}'`,
      { wrap },
    );
    const session = /^session nice (\d+) cgroup (\S+)$/m.exec(stdout);
    // EPERM, or EACCES from setpriority().
    const refused = /^nice 15\nlower refused: .+\nsetpriority refused: .+\nfifo refused: .+\n/;
    assert.match(stdout, refused);
    assert.equal(session?.[1], "15", stdout);
    if (!asRoot) return assert.match(stderr, /, nice 15, memory NOT bounded \(not run as root/);
    // A new session escapes nothing: the cpu cgroup weighs the sandbox as one nice-15 process.
    assert.match(stderr, /CPU weighed as one process at nice 15/);
    assert.match(session[2]!, /\/tollgate-sandbox-\d+-sb-[0-9a-f]+$/, stdout);
    const cpu = cgroupOf(
      await Deno.readTextFile("/proc/self/mountinfo"),
      await Deno.readTextFile("/proc/self/cgroup"),
      "cpu",
    );
    if (cpu !== undefined) await assertNoSandboxCgroups(cpu, pid);
  },
});

Deno.test({
  name: "sandbox: a root runner bounds the sandbox's memory in a cgroup of its own",
  ignore: ignore || !asRoot,
  fn: async () => {
    const hog = `python3 -c 'b = b"x" * (256 << 20); print("allocated")'; echo "python $?"`;
    const { pid, stdout, stderr } = await sandboxed(["--max-memory-mb", "128"], hog);
    if (/memory NOT bounded/.test(stderr)) {
      console.warn("skipped: run as root, and no memory cgroup could be made here");
      return;
    }
    assert.match(stderr, /at most 128 MiB of memory/);
    // The kernel's OOM killer ends the writer inside the sandbox's cgroup, not the machine's.
    assert.equal(stdout, "python 137\n");
    const memory = cgroupOf(
      await Deno.readTextFile("/proc/self/mountinfo"),
      await Deno.readTextFile("/proc/self/cgroup"),
      "memory",
    );
    if (memory !== undefined) await assertNoSandboxCgroups(memory, pid);
  },
});

Deno.test({
  name: "sandbox: each tmpfs is cut to its share of the memory bound, full with ENOSPC",
  ignore: ignore || typeof probeLandlock() !== "number",
  fn: async () => {
    // Under a filesystem_policy /tmp is its own tmpfs too.
    const policy = "version: 1\nfilesystem_policy:\n  include_workdir: true\n" +
      "  read_only: [/usr, /bin, /lib, /lib64, /etc, /proc]\n  read_write: [/dev/null]\n" +
      "network_policies: {}\n";
    const fill = (path: string) =>
      `dd if=/dev/zero of=${path} bs=1M count=200 2>&1 | grep -o "No space left on device"; ` +
      `echo "${path} $(($(stat -c %s ${path}) >> 20)) MiB"`;
    const script = [fill("/tmp/fill"), fill("/dev/shm/fill"), "rm /tmp/fill /dev/shm/fill"];
    const { stdout } = await sandboxed(["--max-memory-mb", "256"], script.join("; "), { policy });
    // 128 MiB less what the sandbox's own files there take (its fresh HOME is a copy in /tmp).
    assert.match(
      stdout,
      /^No space left on device\n\/tmp\/fill 12\d MiB\nNo space left on device\n\/dev\/shm\/fill 64 MiB\n$/,
    );
  },
});

Deno.test({
  name:
    "sandbox: by default /dev/shm is a quarter of half the machine's memory; the state cover is read-only",
  ignore,
  fn: async () => {
    const script =
      'grep " /dev/shm " /proc/self/mountinfo; touch .tollgate/planted 2>&1; echo "touch $?"';
    const { stdout } = await sandboxed([], script);
    const size = tmpfsBounds(await defaultMaxMemoryMb()).shm.split(",")[0]!.slice("size=".length);
    const kib = Number(size.replace(/m$/, "")) * 1024;
    assert.match(stdout, new RegExp(` /dev/shm .* tmpfs tollgate-private .*size=${kib}k`), stdout);
    assert.match(
      stdout,
      /touch: cannot touch '.tollgate\/planted': Read-only file system\ntouch 1/,
    );
  },
});

Deno.test({
  name:
    "sandbox: the fresh HOME is a copy in the sandbox's own /tmp, capped with it, the git identity kept",
  ignore: ignore || typeof probeLandlock() !== "number",
  fn: async () => {
    // The runner's HOME, out of the policy's reach (so the command gets a fresh one), and not
    // below /tmp: where the host's /tmp is a tmpfs, a HOME bound back from it filled RAM.
    const runnerHome = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "tg-bounds-home-" });
    const dir = await Deno.makeTempDir({ prefix: "tg-bounds-" });
    try {
      await Deno.writeTextFile(join(runnerHome, ".gitconfig"), "[user]\n\tname = Ann Example\n");
      await Deno.mkdir(join(dir, "policies"));
      const policy = "version: 1\nfilesystem_policy:\n  include_workdir: true\n" +
        "  read_only: [/usr, /bin, /lib, /lib64, /etc, /proc]\n  read_write: [/dev/null]\n" +
        "network_policies: {}\n";
      await Deno.writeTextFile(join(dir, "policies", "p.yaml"), policy);
      const script = 'git config user.name; df -P "$HOME" | tail -1 | cut -d" " -f1; ' +
        'dd if=/dev/zero of="$HOME/fill" bs=1M count=200 2>&1 | grep -o "No space left on device"; ' +
        'echo "$(($(stat -c %s "$HOME/fill") >> 20)) MiB"';
      const run = await runSandboxCli(
        ["--policy", "p", "--isolate", "netns", "--max-memory-mb", "256", "--", "sh", "-c", script],
        { cwd: dir, env: { HOME: runnerHome } },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Ann Example\ntollgate-tmp\nNo space left on device\n12\d MiB\n$/);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(runnerHome, { recursive: true });
    }
  },
});

/** No cgroup of runner `pid` (which made them while the command ran) is left below `parent`. */
async function assertNoSandboxCgroups(parent: string, pid: number): Promise<void> {
  for await (const entry of Deno.readDir(parent)) {
    assert.ok(!entry.name.startsWith(`tollgate-sandbox-${pid}-`), entry.name);
  }
}
