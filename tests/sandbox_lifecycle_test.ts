/**
 * `runSandbox()` with real processes: exit status, abort, env mode, a missing command, and
 * nothing left behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cgroupOf, detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { baseOptions, delay, leftovers, withState, withUpstream } from "./sandbox_fixtures.ts";

const netnsAvailable = (await detectIsolation()) === "netns";
/** bwrap loads the syscall filter; it also keeps the command from being its namespace's init. */
const filtered = await Deno.stat("/usr/bin/bwrap").then(() => true, () => false);

Deno.test({
  name: "runSandbox() returns the command's exit status and leaves nothing running",
  ignore: !netnsAvailable,
  fn: () =>
    withState(async (state) => {
      // A duration no other run uses: another checkout's copy of this test may be running.
      const sleep = `sleep 300.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
      const code = await runSandbox({
        ...await baseOptions(state, 9),
        isolation: "netns",
        // A background process must not outlive the sandbox either. The namespaces' names tell
        // whether any process still holds them afterwards (the forwarder, not waited for).
        command: [
          "sh",
          "-c",
          `readlink /proc/self/ns/net /proc/self/ns/user > ns; ${sleep} & exit 7`,
        ],
      });
      assert.equal(code, 7);
      assert.deepEqual(await leftovers(state), []);
      const ps = await new Deno.Command("pgrep", { args: ["-f", `^${sleep}$`] }).output();
      assert.equal(ps.code, 1, "the background sleep was killed with the namespace");
      const namespaces = (await Deno.readTextFile(join(state, "ns"))).trim().split("\n");
      assert.equal(namespaces.length, 2);
      assert.deepEqual(await holdersOf(namespaces), [], "no process is left in its namespaces");
      assert.deepEqual(await ownCgroups(), [], "its cgroups are removed");
    }),
});

Deno.test({
  name: "runSandbox() stops the command when its signal aborts",
  ignore: !netnsAvailable,
  fn: () =>
    withState(async (state) => {
      const stop = new AbortController();
      const marker = join(state, "started");
      const sleep = `sleep 301.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
      const running = runSandbox({
        ...await baseOptions(state, 9),
        isolation: "netns",
        signal: stop.signal,
        graceMs: filtered ? 20_000 : 200,
        command: ["sh", "-c", `touch ${marker}; ${sleep}`],
      });
      while (!(await Deno.stat(marker).then(() => true, () => false))) await delay(20);
      stop.abort();
      // Under bwrap (the namespace's init), the shell ends on SIGTERM: 128 + 15, long before the
      // grace time. Without it the shell is the init, ignores SIGTERM and is killed: 128 + 9.
      assert.equal(await running, filtered ? 143 : 137);
      assert.deepEqual(await leftovers(state), []);
      const ps = await new Deno.Command("pgrep", { args: ["-f", `^${sleep}$`] }).output();
      assert.equal(ps.code, 1);
    }),
});

Deno.test("runSandbox() in env mode sets every variable, warns, and proxies with identity", () =>
  withState((state) =>
    withUpstream(async (port) => {
      const logs: string[] = [];
      const out = join(state, "env.txt");
      const body = join(state, "body.txt");
      const code = await runSandbox({
        ...await baseOptions(state, port),
        isolation: "env",
        command: ["sh", "-c", `env > ${out}; curl -sS -o ${body} http://upstream.test:${port}/`],
        onLog: (line) => logs.push(line),
      });
      assert.equal(code, 0);
      assert.equal(await Deno.readTextFile(body), "hello from upstream\n");
      const env = Object.fromEntries(
        (await Deno.readTextFile(out)).trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2)),
      );
      const proxy = env.HTTP_PROXY as string;
      assert.match(proxy, /^http:\/\/127\.0\.0\.1:\d+$/);
      for (const key of ["HTTPS_PROXY", "http_proxy", "https_proxy"]) assert.equal(env[key], proxy);
      assert.equal(env.NO_PROXY, "127.0.0.1,localhost,::1");
      assert.equal(env.no_proxy, "127.0.0.1,localhost,::1");
      for (
        const key of ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"]
      ) {
        assert.match(env[key]!, /\/sandboxes\/sb-[0-9a-f]{8}\/public\/ca-bundle\.pem$/, key);
      }
      for (const key of ["NODE_EXTRA_CA_CERTS", "DENO_CERT"]) {
        assert.match(env[key]!, /\/public\/tollgate-ca\.pem$/, key);
      }
      assert.equal(env.TOLLGATE_SKILL, "/tollgate/skills/policy_advisor.md");
      assert.equal(logs.length, 1);
      assert.match(logs[0]!, /nothing stops the command from connecting directly/);
      assert.deepEqual(await leftovers(state), []);
    })
  ));

Deno.test("runSandbox() refuses a command that does not exist", () =>
  withState(async (state) => {
    await assert.rejects(
      runSandbox({ ...await baseOptions(state, 9), isolation: "env", command: ["no-such-tool-x"] }),
      /Command "no-such-tool-x" not found/,
    );
    assert.deepEqual(await leftovers(state), []);
  }));

/** Processes whose network or user namespace is one of `namespaces` (`net:[N]`, `user:[N]`). */
async function holdersOf(namespaces: string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    for (const kind of ["net", "user"]) {
      const name = await Deno.readLink(`/proc/${entry.name}/ns/${kind}`).catch(() => "");
      if (namespaces.includes(name)) found.push(`${entry.name} ${name}`);
    }
  }
  return found;
}

/** This runner's sandbox cgroups still present (a root runner makes them; others none). */
async function ownCgroups(): Promise<string[]> {
  const mountinfo = await Deno.readTextFile("/proc/self/mountinfo");
  const cgroups = await Deno.readTextFile("/proc/self/cgroup");
  const found: string[] = [];
  for (const controller of ["pids", "cpu", "memory"] as const) {
    const parent = cgroupOf(mountinfo, cgroups, controller);
    if (parent === undefined) continue;
    for await (const entry of Deno.readDir(parent)) {
      if (entry.name.startsWith(`tollgate-sandbox-${Deno.pid}-`)) found.push(entry.name);
    }
  }
  return found;
}
