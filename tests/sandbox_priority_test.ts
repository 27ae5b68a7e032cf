/**
 * Only the command runs at the sandbox's nice and, for a root runner, in its cgroups: read from
 * inside a real sandbox, with and without bubblewrap, with and without a `filesystem_policy`.
 * The start before it (the setup script, bubblewrap, the confine step's start, Landlock) runs at
 * the runner's own priority: at nice 10 under load it took 4.3-5.2 s against 1.2-1.5 s.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, probeLandlock, runSandbox } from "../proxy/sandbox/mod.ts";
import { baseOptions, NO_RULES, pathWithoutBwrap, withState } from "./sandbox_fixtures.ts";
import { controllers, REPORT, reportOf, runnerView } from "./sandbox_priority_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns";
const landlock = typeof probeLandlock() === "number";
const bwrapHere = await Deno.stat("/usr/bin/bwrap").then(() => true, () => false);
const CONFINED = "version: 1\nfilesystem_policy:\n  include_workdir: true\nnetwork_policies: {}\n";
/** Above the runner's own nice (tests run at nice 10 on a shared machine). */
const NICE = 15;

for (const bwrap of [true, false]) {
  for (const confined of [false, true]) {
    const mode = `${bwrap ? "bubblewrap" : "no bubblewrap"}${
      confined ? ", filesystem_policy" : ""
    }`;
    Deno.test({
      name: `sandbox: the command alone runs at --nice and in the sandbox's cgroups (${mode})`,
      ignore: ignore || (confined && !landlock) || (bwrap && !bwrapHere),
      fn: () =>
        withState(async (state) => {
          const runner = await runnerView();
          if (runner.nice >= NICE) {
            return console.warn(`skipped: the runner runs at ${runner.nice}`);
          }
          const options = await baseOptions(state, 9, undefined, {
            policy: confined ? CONFINED : NO_RULES,
          });
          const cpu = runner.dirs.get("cpu");
          let notice = "";
          const code = await runSandbox({
            ...options,
            nice: NICE,
            onIsolated: (line) => notice = line,
            env: { PATH: bwrap ? Deno.env.get("PATH") : await pathWithoutBwrap(state) },
            command: [
              "sh",
              "-c",
              REPORT.replace("RUNNER_PROCS", join(cpu ?? "/nonexistent", "cgroup.procs")),
            ],
            isolation: "netns",
          });
          assert.equal(code, 0);
          const report = reportOf(await Deno.readTextFile(join(state, "report.txt")));
          assert.equal(report.get("nice"), String(NICE), "the command's nice");
          assert.equal(report.get("lower"), "refused", "it cannot lower its nice");
          assert.equal(report.get("left"), "refused", "it cannot leave its cpu cgroup");
          // Nothing of the start's is left open for it: the cgroups' files above all.
          assert.equal(report.get("fds"), "none");
          const own = controllers(runner.mountinfo, report.get("cgroup") ?? "");
          for (const controller of boundedControllers(notice)) {
            const name = join(runner.dirs.get(controller)!, `tollgate-sandbox-${Deno.pid}-`);
            assert.ok(
              own.get(controller)?.startsWith(name),
              `${controller}: ${own.get(controller)}`,
            );
          }
          if (!bwrap) return;
          // bubblewrap stays above the command (its parent): it ran at the runner's priority.
          assert.equal(report.get("parent-nice"), String(runner.nice), "bubblewrap's nice");
          const parent = controllers(runner.mountinfo, report.get("parent-cgroup") ?? "");
          for (const [controller, dir] of runner.dirs) {
            assert.equal(parent.get(controller), dir, `bubblewrap's ${controller} cgroup`);
          }
        }),
    });
  }
}

/** The controllers whose cgroup the notice says the sandbox has (a root runner's). */
function boundedControllers(notice: string): string[] {
  if (Deno.uid() !== 0) return [];
  const bounded = { pids: /at most \d+ processes/, cpu: /CPU weighed/, memory: /MiB of memory/ };
  return Object.entries(bounded).filter(([, said]) => said.test(notice)).map(([name]) => name);
}
