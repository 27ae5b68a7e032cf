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
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { withGatewaysBesideAgent } from "./support/mod.ts";

const ignore = (await detectIsolation()) !== "netns";

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
  fn: () =>
    withGatewaysBesideAgent(1, async ({ repo, runAgent }) => {
      const before = await Deno.readTextFile(join(repo.policies, "team.yaml"));
      const out = await runAgent(ATTEMPTS(repo.root));
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(out.results, { policy: "2", commit: "128", state: "0", token: "1" });
      assert.equal(await Deno.readTextFile(join(repo.policies, "team.yaml")), before);
      assert.equal((await repo.git("log", "--format=%s")).trim(), "initial policy");
    }),
});

Deno.test({
  name:
    "hostile: with several --gateway URLs, each gateway's repository on this machine is fenced, not only the first's",
  ignore,
  // Two gateways of one host sharing their state (hence the enrolment token), each with a
  // policy repository of its own (a replica kept in step through a Git remote, say).
  fn: () =>
    withGatewaysBesideAgent(2, async ({ repos, runAgent }) => {
      const second = repos[1]!;
      const before = await Deno.readTextFile(join(second.policies, "team.yaml"));
      const out = await runAgent(ATTEMPTS(second.root));
      assert.equal(out.code, 0, out.stderr);
      // The shared state sits in the first repository ("state" and "token" look for it in
      // the second, where it is not).
      assert.deepEqual([out.results.policy, out.results.commit], ["2", "128"]);
      assert.equal(await Deno.readTextFile(join(second.policies, "team.yaml")), before);
      assert.equal((await second.git("log", "--format=%s")).trim(), "initial policy");
    }),
});
