/**
 * The confine step (its Perl or Deno start, Landlock, the syscall filter) is the start's, not the
 * command's: seen from outside while it waits at the sandbox's gate, it runs at the runner's
 * nice and in the runner's cgroups; the command it becomes, at the sandbox's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  confineStep,
  detectIsolation,
  NetnsSandbox,
  probeLandlock,
  sandboxLimits,
  syscallFilter,
} from "../proxy/sandbox/mod.ts";
import { newBridgeSecret } from "../proxy/sandbox/_preamble.ts";
import { GATE_FD } from "../proxy/sandbox/_setup_script.ts";
import { makeFifo, openLibc } from "../proxy/sandbox/_libc.ts";
import { PERL_STEP_MARK, SYSTEM_PERL } from "../proxy/sandbox/_confine_perl.ts";
import { controllers, niceOf, REPORT, reportOf, runnerView } from "./sandbox_priority_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns";
const abi = probeLandlock();
const BWRAP = "/usr/bin/bwrap";
const bwrapHere = await Deno.stat(BWRAP).then(() => true, () => false);
const perlHere = await Deno.stat(SYSTEM_PERL).then(() => true, () => false);
const NICE = 15;
/** read(2)'s number, as `/proc/PID/syscall` names the call a process is blocked in. */
const READ = Deno.build.arch === "aarch64" ? 63 : 0;

for (const [bwrap, perl] of [[true, true], [false, true], [false, false]]) {
  Deno.test({
    name: `sandbox: the confine step starts at the runner's priority, the command at its own (${
      bwrap ? "bubblewrap, Landlock" : "no bubblewrap, the syscall filter"
    }, ${perl ? "Perl" : "Deno"})`,
    ignore: ignore || (bwrap && (!bwrapHere || typeof abi !== "number")) || (perl && !perlHere),
    fn: async () => {
      const runner = await runnerView();
      if (runner.nice >= NICE) return console.warn(`skipped: the runner runs at ${runner.nice}`);
      const { dir, state, gatePath, gate, limits, sandbox, bridge } = await gateFixture();
      try {
        const plain = { command: ["sh", "-c", REPORT], env: { PATH: Deno.env.get("PATH")! } };
        const plan = bwrap
          ? {
            kind: "landlock" as const,
            abi: abi as number,
            sections: { filesystem_policy: { include_workdir: true } },
          }
          : { kind: "none" as const };
        const step = confineStep(plan, plain, {
          workdir: dir,
          shown: [],
          syscallFilter: bwrap ? undefined : syscallFilter(Deno.build.arch),
          gateFd: GATE_FD,
          limits,
          perl: perl ? SYSTEM_PERL : undefined,
        });
        const program = join(state, "filter.bpf");
        await Deno.writeFile(program, syscallFilter(Deno.build.arch));
        const child = sandbox.spawn(step.command, {
          env: step.env,
          cwd: dir,
          hide: state,
          reveal: join(state, "public"),
          readOnly: [],
          gate: gatePath,
          confineStep: true,
          limits,
          syscallFilter: bwrap ? { program, bwrap: BWRAP } : undefined,
          stdin: "null",
          stdout: "null",
          stderr: "null",
        });
        // Held at the gate: its Perl or Deno has started, Landlock and the filter are in force.
        const waiting = await stepAtGate(child.pid);
        const seen = {
          nice: niceOf(await Deno.readTextFile(`/proc/${waiting}/stat`)),
          groups: controllers(runner.mountinfo, await Deno.readTextFile(`/proc/${waiting}/cgroup`)),
        };
        await sandbox.ready;
        await gate.write(new TextEncoder().encode("go\n"));
        assert.equal((await child.status).code, 0);
        assert.equal(seen.nice, runner.nice, "the step's nice");
        assert.deepEqual(seen.groups, runner.dirs, "the step's cgroups");
        const report = reportOf(await Deno.readTextFile(join(dir, "report.txt")));
        assert.equal(report.get("nice"), String(NICE), "the command's nice");
        assert.equal(report.get("fds"), "none");
        const own = controllers(runner.mountinfo, report.get("cgroup") ?? "");
        for (const procs of limits.cgroupProcs) {
          const group = procs.slice(0, -"/cgroup.procs".length);
          assert.ok([...own.values()].includes(group), `${group} in ${[...own.values()]}`);
        }
      } finally {
        await closeFixture({ dir, gate, limits, sandbox, bridge });
      }
    },
  });
}

Deno.test({
  name: "sandbox: without cgroups (a runner that is not root), the command alone takes the nice",
  ignore: ignore || !bwrapHere,
  fn: async () => {
    const runner = await runnerView();
    if (runner.nice >= NICE) return console.warn(`skipped: the runner runs at ${runner.nice}`);
    const { dir, state, gatePath, gate, limits, sandbox, bridge } = await gateFixture({
      uid: 1000,
    });
    try {
      assert.deepEqual(limits.cgroupProcs, []);
      const program = join(state, "filter.bpf");
      await Deno.writeFile(program, syscallFilter(Deno.build.arch));
      const child = sandbox.spawn(["sh", "-c", REPORT], {
        env: { PATH: Deno.env.get("PATH")! },
        cwd: dir,
        hide: state,
        reveal: join(state, "public"),
        readOnly: [],
        gate: gatePath,
        limits,
        syscallFilter: { program, bwrap: BWRAP },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      });
      await sandbox.ready;
      await gate.write(new TextEncoder().encode("go\n"));
      assert.equal((await child.status).code, 0);
      const report = reportOf(await Deno.readTextFile(join(dir, "report.txt")));
      assert.equal(report.get("nice"), String(NICE), "the command's nice");
      assert.equal(report.get("parent-nice"), String(runner.nice), "bubblewrap's nice");
      assert.equal(report.get("fds"), "none");
    } finally {
      await closeFixture({ dir, gate, limits, sandbox, bridge });
    }
  },
});

/** A state folder, its gate (held open to write), the sandbox's limits and its namespaces. */
async function gateFixture(as: { uid?: number } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "tg-prio-" });
  const state = join(dir, "state");
  await Deno.mkdir(join(state, "public"), { recursive: true });
  const gatePath = join(state, "gate");
  const libc = openLibc();
  makeFifo(libc.symbols, gatePath, 0o600);
  libc.close();
  const gate = await Deno.open(gatePath, { read: true, write: true });
  const name = `prio-${newBridgeSecret().slice(0, 8)}`;
  const limits = await sandboxLimits({ nice: NICE }, name, as);
  // The forwarder opens its bridge socket once as it starts: something must listen there.
  const bridge = Deno.listen({ transport: "unix", path: join(state, "proxy.sock") });
  const sandbox = await NetnsSandbox.enter({
    socketPath: join(state, "proxy.sock"),
    port: 8080,
    secret: newBridgeSecret(),
    baseEnv: { PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") },
  });
  return { dir, state, gatePath, gate, limits, sandbox, bridge };
}

async function closeFixture(
  fixture: Pick<
    Awaited<ReturnType<typeof gateFixture>>,
    "dir" | "gate" | "limits" | "sandbox" | "bridge"
  >,
): Promise<void> {
  fixture.gate.close();
  fixture.bridge.close();
  await fixture.sandbox.close();
  await fixture.limits.remove();
  await Deno.remove(fixture.dir, { recursive: true });
}

/** The confine step below `root` once it is blocked reading the gate (descriptor 6). */
async function stepAtGate(root: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const pid of descendants(root)) {
      const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
      if (!cmdline.includes("confine_exec.ts") && !cmdline.includes(PERL_STEP_MARK)) continue;
      const call = await Deno.readTextFile(`/proc/${pid}/syscall`).catch(() => "");
      if (call.startsWith(`${READ} 0x${GATE_FD.toString(16)} `)) return pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the confine step never waited at the gate");
}

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`);
    children = text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Gone meanwhile.
  }
  return [...children, ...children.flatMap(descendants)];
}
