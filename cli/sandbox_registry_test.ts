/**
 * The runner registry's liveness check against the ways a dead runner could pass for a live one
 * or the other way round: a pid reused by another process, a runner in another pid namespace, a
 * reboot, and entries that are not the registry's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { registerSandbox, runnerMark, sweepDeadSandboxes } from "./_sandbox_registry.ts";

async function swept(state: string): Promise<string[]> {
  const seen: string[] = [];
  await sweepDeadSandboxes(state, (entry) => Promise.resolve(!!seen.push(entry.sandbox)));
  return seen.sort();
}

async function write(state: string, sandbox: string, runner: unknown): Promise<void> {
  await Deno.mkdir(join(state, "runners"), { recursive: true });
  const entry = JSON.stringify({ sandbox, runner, policiesDir: "/p" });
  await Deno.writeTextFile(join(state, "runners", `${sandbox}.json`), entry);
}

Deno.test("sandbox registry: only a runner known to be gone is retired, once", async () => {
  const state = await Deno.makeTempDir();
  try {
    const me = (await runnerMark())!;
    assert.ok(me, "this test needs /proc");
    await registerSandbox(state, { sandbox: "sb-live", policiesDir: "/p" });
    // The pid of a live process (this one) with another start time: a reused pid.
    await write(state, "sb-reused", { ...me, started: String(Number(me.started) + 1) });
    await write(state, "sb-reboot", { ...me, boot: "00000000-0000-0000-0000-000000000000" });
    // A pid no process has (above pid_max).
    await write(state, "sb-gone", { ...me, pid: 2 ** 30 });
    // Another pid namespace: its pids are not ours to look up.
    await write(state, "sb-other-ns", { ...me, pid: 2 ** 30, ns: "pid:[1]" });
    await Deno.writeTextFile(join(state, "runners", "sb-named.json"), "{}");
    await write(state, "../x", { ...me, pid: 2 ** 30 });
    assert.deepEqual(await swept(state), ["sb-gone", "sb-reboot", "sb-reused"]);
    // Retired ones are forgotten; the live runner's and the unknowable one's stay.
    assert.deepEqual(await swept(state), []);
    const left = [];
    for await (const e of Deno.readDir(join(state, "runners"))) left.push(e.name);
    assert.deepEqual(left.sort(), ["sb-live.json", "sb-named.json", "sb-other-ns.json"]);
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("sandbox registry: a retirement that fails keeps the entry for the next sweep", async () => {
  const state = await Deno.makeTempDir();
  try {
    await write(state, "sb-gone", { ...(await runnerMark())!, pid: 2 ** 30 });
    await sweepDeadSandboxes(state, () => Promise.reject(new Error("gateway down")));
    await sweepDeadSandboxes(state, () => Promise.resolve(false));
    assert.deepEqual(await swept(state), ["sb-gone"]);
    assert.deepEqual(await swept(state), []);
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
