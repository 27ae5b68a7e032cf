import assert from "node:assert/strict";
import { choosePinning, pinnedCommand, planPinning, setAffinity } from "./cpu_pinning.ts";

Deno.test("planPinning() gives the client CPU 0 and the servers the rest", () => {
  assert.equal(planPinning(1), undefined);
  assert.deepEqual(planPinning(2), { client: "0", servers: "1", all: "0-1" });
  assert.deepEqual(planPinning(8), { client: "0", servers: "1-7", all: "0-7" });
});

Deno.test("pinnedCommand() wraps a command in taskset only when asked", () => {
  assert.deepEqual(pinnedCommand("squid", ["-N"], undefined), ["squid", ["-N"]]);
  assert.deepEqual(pinnedCommand("squid", ["-N"], "1"), ["taskset", ["-c", "1", "squid", "-N"]]);
});

async function allowedCpus(pid: number): Promise<string> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? "";
}

Deno.test({
  name: "setAffinity() and pinnedCommand() move a real process",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const [program, args] = pinnedCommand("sleep", ["30"], "0");
    const child = new Deno.Command(program, { args, stdout: "null", stderr: "null" }).spawn();
    try {
      // taskset sets the mask, then execs sleep in the same process.
      for (
        let i = 0;
        i < 50 && !(await Deno.readTextFile(`/proc/${child.pid}/cmdline`)).startsWith("sleep");
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(await allowedCpus(child.pid), "0");
      const all = `0-${navigator.hardwareConcurrency - 1}`;
      await setAffinity(child.pid, navigator.hardwareConcurrency > 1 ? all : "0");
      assert.equal(await allowedCpus(child.pid), navigator.hardwareConcurrency > 1 ? all : "0");
      await assert.rejects(() => setAffinity(child.pid, "999"), /taskset failed/);
    } finally {
      child.kill();
      await child.status;
    }
  },
});

Deno.test({
  name: "choosePinning() returns a usable plan here, or none when asked for none",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    assert.equal(await choosePinning(false), undefined);
    const plan = await choosePinning(true);
    if (navigator.hardwareConcurrency < 2) return assert.equal(plan, undefined);
    assert.deepEqual(plan, planPinning(navigator.hardwareConcurrency));
    // It leaves this process free to run anywhere.
    assert.equal(await allowedCpus(Deno.pid), plan!.all);
  },
});
