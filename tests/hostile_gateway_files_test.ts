/**
 * A sandbox linked to a gateway on the same machine, started from another folder (the agent's
 * project, as the README's `--gateway-token-file` flow has it), cannot touch that gateway's
 * files. Before, it could append a rule to the gateway's policy file and commit it: the gateway
 * serves what changes on disk, so its own proxy allowed what it had been denied, with no
 * reviewer; and it could read the enrolment token and plant a reviewer credential in the state.
 * Run through the real CLI against a real gateway.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeRepo, TEAM_POLICY } from "./gateway_fixtures.ts";
import { runSandboxCli } from "./sandbox_fixtures.ts";
import { startGateway } from "../gateway/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";

const ignore = (await detectIsolation()) !== "netns";

/**
 * The team policy without its `filesystem_policy`: under one, the sandbox's /tmp is its own and
 * Landlock keeps it to its working folder, so the gateway's files (made below /tmp here) would
 * be out of reach whatever the fence does. Unconfined, the fence is all that protects them.
 */
const UNCONFINED = TEAM_POLICY.replace(/\nfilesystem_policy:\n {2}include_workdir: true\n/, "\n");

/** What the agent tries, each result on a line of its own. */
const ATTEMPTS = (root: string) =>
  [
    `printf '  widened: {}\\n' >> ${root}/policies/team.yaml 2>/dev/null; echo "policy $?"`,
    `git -C ${root} commit -qam widen 2>/dev/null; echo "commit $?"`,
    `echo "state $(ls -A ${root}/state | wc -l)"`,
    `cat ${root}/state/gateway.token > /dev/null 2>&1; echo "token $?"`,
  ].join("; ");

Deno.test({
  name:
    "hostile: a sandbox started elsewhere cannot edit, commit to or read its gateway's repository and state",
  ignore,
  fn: async () => {
    const repo = await makeRepo({ policy: UNCONFINED });
    const elsewhere = await Deno.makeTempDir({ prefix: "tg-agent-project-" });
    const stateDir = join(repo.root, "state");
    const gw = await startGateway({ policiesDir: repo.policies, stateDir, listen: "127.0.0.1:0" });
    try {
      const before = await Deno.readTextFile(join(repo.policies, "team.yaml"));
      const out = await runSandboxCli(
        ["--policy", "team", "--isolate", "netns", "--quiet"]
          .concat(["--gateway", gw.url, "--gateway-token-file", join(stateDir, "gateway.token")])
          .concat(["--", "sh", "-c", ATTEMPTS(repo.root)]),
        // A folder with no policies of its own: the sandbox starts there too.
        { cwd: elsewhere },
      );
      assert.equal(out.code, 0, out.stderr);
      const results = Object.fromEntries(
        out.stdout.trim().split("\n").map((line) => line.split(" ")),
      );
      assert.deepEqual(results, { policy: "2", commit: "128", state: "0", token: "1" });
      assert.equal(await Deno.readTextFile(join(repo.policies, "team.yaml")), before);
      assert.equal((await repo.git("log", "--format=%s")).trim(), "initial policy");
    } finally {
      await gw.close();
      await repo.cleanup();
      await Deno.remove(elsewhere, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "hostile: with several --gateway URLs, each gateway's repository on this machine is fenced, not only the first's",
  ignore,
  fn: async () => {
    // Two gateways of one host sharing their state (hence the enrolment token), each with a
    // policy repository of its own (a replica kept in step through a Git remote, say).
    const first = await makeRepo({ policy: UNCONFINED });
    const second = await makeRepo({ policy: UNCONFINED });
    const elsewhere = await Deno.makeTempDir({ prefix: "tg-agent-project-" });
    const stateDir = join(first.root, "state");
    const listen = "127.0.0.1:0";
    const a = await startGateway({ policiesDir: first.policies, stateDir, listen });
    const b = await startGateway({ policiesDir: second.policies, stateDir, listen });
    try {
      const before = await Deno.readTextFile(join(second.policies, "team.yaml"));
      const out = await runSandboxCli(
        ["--policy", "team", "--isolate", "netns", "--quiet"]
          .concat(["--gateway", a.url, "--gateway", b.url])
          .concat(["--gateway-token-file", join(stateDir, "gateway.token")])
          .concat(["--", "sh", "-c", ATTEMPTS(second.root)]),
        { cwd: elsewhere },
      );
      assert.equal(out.code, 0, out.stderr);
      const results = Object.fromEntries(
        out.stdout.trim().split("\n").map((line) => line.split(" ")),
      );
      // The shared state sits in the first repository ("state" and "token" look for it in
      // the second, where it is not).
      assert.deepEqual([results.policy, results.commit], ["2", "128"]);
      assert.equal(await Deno.readTextFile(join(second.policies, "team.yaml")), before);
      assert.equal((await second.git("log", "--format=%s")).trim(), "initial policy");
    } finally {
      await b.close();
      await a.close();
      await first.cleanup();
      await second.cleanup();
      await Deno.remove(elsewhere, { recursive: true });
    }
  },
});
