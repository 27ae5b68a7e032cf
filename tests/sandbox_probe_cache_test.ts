/**
 * `sandbox run` remembers a yes of the netns probe in the state directory; a wrong remembered
 * yes fails closed in one line, is forgotten, and never runs the command unconfined.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import {
  chooseIsolation,
  detectIsolation,
  netnsRemembered,
  rememberNetns,
} from "../proxy/sandbox/mod.ts";
import { captureCli, withPolicyWorkspace } from "./support/mod.ts";

const ignore = (await detectIsolation()) !== "netns";
const POLICY = "version: 1\nnetwork_policies: {}\n";
const PATH = Deno.env.get("PATH") ?? "/usr/bin:/bin";
// Confined to the system: a command in the workspace's parent is outside it.
const FS = "version: 1\nfilesystem_policy:\n  read_only: [/usr]\nnetwork_policies: {}\n";

function run(dir: string, path: string, command: string[]) {
  const io = captureCli(dir, { env: { PATH: path, NO_COLOR: "1" } });
  const args = ["sandbox", "run", "--policy", "p", "--quiet", "--", ...command];
  return runCli(args, io.ctx).then((code) => ({ code, err: io.err() }));
}

Deno.test({
  name: "sandbox run: a yes of the netns probe is remembered in the state directory",
  ignore,
  fn: () =>
    withPolicyWorkspace({ p: POLICY }, async (dir) => {
      const state = join(dir, ".tollgate");
      // The first run makes the state directory; the probe ran before, so nothing is kept yet.
      assert.equal((await run(dir, PATH, ["/bin/true"])).code, 0);
      assert.equal(await netnsRemembered(state, PATH), false);
      assert.equal((await run(dir, PATH, ["/bin/true"])).code, 0);
      assert.equal(await netnsRemembered(state, PATH), true);
      assert.deepEqual(await chooseIsolation("auto", { path: PATH, stateDir: state }), {
        isolation: "netns",
        remembered: true,
      });
      // Bound to PATH: another one is probed again.
      assert.equal(await netnsRemembered(state, `/nonexistent:${PATH}`), false);
      const probed = await chooseIsolation("auto", { path: `/nonexistent:${PATH}` });
      assert.equal(probed.remembered, undefined);
    }, "tg-probe-"),
});

Deno.test({
  name: "sandbox run: a wrong remembered yes fails closed in one line and is forgotten",
  ignore,
  fn: () =>
    withPolicyWorkspace({ p: POLICY }, async (dir) => {
      const state = join(dir, ".tollgate");
      await Deno.mkdir(state);
      // An unshare that refuses, as a kernel without user namespaces would.
      const bin = join(dir, "bin");
      await Deno.mkdir(bin);
      const unshare = join(bin, "unshare");
      await Deno.writeTextFile(
        unshare,
        "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n",
      );
      await Deno.chmod(unshare, 0o755);
      const path = `${bin}:${PATH}`;
      await rememberNetns(state, path); // the wrong yes: the probe would have said no
      const marker = join(dir, "ran");
      const first = await run(dir, path, ["sh", "-c", `touch ${marker}`]);
      assert.equal(first.code, 1);
      // The forwarder's own line first (passed on as it is), then the failure in one line.
      assert.equal(
        first.err.trim().split("\n").at(-1),
        "error: Cannot start the sandbox network namespace: unshare: unshare failed: Operation " +
          "not permitted (the remembered netns probe answer is forgotten: run again to probe " +
          "anew)",
      );
      assert.ok(!existsSync(marker), "the command never ran");
      assert.equal(await netnsRemembered(state, path), false);
      // Probed again: auto falls back to env, and says so.
      const second = await run(dir, path, ["sh", "-c", `touch ${marker}`]);
      assert.equal(second.code, 0);
      assert.match(second.err, /^warning: --isolate auto fell back to env: .*Operation not permit/);
      assert.equal(await netnsRemembered(state, path), false, "a no is never remembered");
    }, "tg-probe-"),
});

Deno.test({
  name:
    "sandbox run: a failure before the namespace keeps the remembered yes and says nothing of it",
  ignore,
  fn: () =>
    withPolicyWorkspace(
      { p: POLICY, broken: "version: 1\nnetwork_policies: [\n", fs: FS },
      async (dir) => {
        const state = join(dir, ".tollgate");
        await Deno.mkdir(state);
        await rememberNetns(state, PATH);
        // A typo in the command: it said the answer was forgotten, and the next run probed again.
        const missing = await run(dir, PATH, ["/no/such/command"]);
        assert.equal(missing.code, 1);
        assert.equal(missing.err, 'error: Command "/no/such/command" not found\n');
        assert.equal(await netnsRemembered(state, PATH), true);
        // A policy that does not load fails in the proxy's start, not in the namespace.
        const io = captureCli(dir, { env: { PATH, NO_COLOR: "1" } });
        const args = ["sandbox", "run", "--policy", "broken", "--quiet", "--", "/bin/true"];
        assert.equal(await runCli(args, io.ctx), 1);
        assert.match(
          io.err(),
          /^error: Invalid policy: .*broken\.yaml:3:1: YAML syntax error: [^\n]*\n$/,
        );
        assert.doesNotMatch(io.err(), /forgotten/);
        assert.equal(await netnsRemembered(state, PATH), true);
        // A command the policy's filesystem_policy does not reach: the policy's doing too.
        const outside = captureCli(dir, { env: { PATH, NO_COLOR: "1" } });
        const elsewhere = await Deno.makeTempDir({ prefix: "tg-probe-tool-" });
        const script = join(elsewhere, "tool.sh");
        await Deno.writeTextFile(script, "#!/bin/sh\n");
        await Deno.chmod(script, 0o755);
        const confined = ["sandbox", "run", "--policy", "fs", "--quiet", "--", script];
        const code = await runCli(confined, outside.ctx).finally(() =>
          Deno.remove(elsewhere, { recursive: true })
        );
        assert.equal(code, 1);
        assert.match(outside.err(), /^error: Command ".*tool\.sh" is [^\n]*\n$/);
        assert.doesNotMatch(outside.err(), /forgotten/);
        assert.equal(await netnsRemembered(state, PATH), true);
      },
      "tg-probe-",
    ),
});
