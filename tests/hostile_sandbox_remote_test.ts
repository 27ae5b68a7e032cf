/**
 * A hostile agent in a netns sandbox linked to a gateway that shares its policies through a Git
 * remote on this machine (a bare repository the runner's user may write, as `file://` remotes
 * are). The remote is the replicated store: every gateway serves what its branch holds, so a
 * commit pushed there is a rule no person reviewed. Before, the fence covered the gateway's clone
 * and state but not the remote: the agent cloned it, added a rule, pushed, and the gateway served
 * the widened policy at its next fetch. Now the gateway's enrolment answer names a local remote
 * too, and the sandbox sees it as an empty folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startGateway } from "../gateway/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import { git, makeRemote } from "./remote_support.ts";
import { runSandboxCli } from "./sandbox_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns";

/** Without a filesystem_policy: the fence alone keeps the remote from the command. */
const UNCONFINED = TEAM_POLICY.replace(/\nfilesystem_policy:\n {2}include_workdir: true\n/, "\n");

/** Clone the remote, add a rule for curl to reach evil.example, push. */
const PUSH_A_RULE = (remote: string) =>
  [
    `git clone -q ${remote} widen 2>/dev/null; echo "clone $?"`,
    `cd widen 2>/dev/null && printf '  widened:\\n    endpoints: [{ host: evil.example, port: 443 }]\\n` +
    `    binaries: [{ path: /usr/bin/curl }]\\n' >> team.yaml`,
    `git -c user.name=a -c user.email=a@b commit -qam widen 2>/dev/null`,
    `git push -q origin HEAD:main 2>/dev/null; echo "push $?"`,
  ].join("; ");

for (const form of ["path", "file URL"] as const) {
  Deno.test({
    name:
      `hostile: a netns sandbox cannot push a rule to its gateway's Git remote on this machine (${form})`,
    ignore,
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "tg-remote-fence-" });
      const elsewhere = await Deno.makeTempDir({ prefix: "tg-agent-project-" });
      const bare = await makeRemote(dir, UNCONFINED);
      const url = form === "path" ? bare : `file://${bare}`;
      const stateDir = join(dir, "state");
      const gw = await startGateway({
        policiesDir: join(dir, "clone"),
        stateDir,
        listen: "127.0.0.1:0",
        remote: { url, fetchIntervalMs: 0 },
      });
      try {
        const before = await git(bare, "rev-parse", "main");
        const out = await runSandboxCli(
          ["--policy", "team", "--isolate", "netns", "--quiet"]
            .concat(["--gateway", gw.url, "--gateway-token-file", join(stateDir, "gateway.token")])
            .concat(["--", "sh", "-c", PUSH_A_RULE(url)]),
          { cwd: elsewhere },
        );
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stdout, /^clone [1-9]\d*\npush [1-9]\d*\n$/, out.stdout);
        assert.equal(await git(bare, "rev-parse", "main"), before, "the remote's branch moved");
      } finally {
        await gw.close();
        await Deno.remove(dir, { recursive: true });
        await Deno.remove(elsewhere, { recursive: true });
      }
    },
  });
}
