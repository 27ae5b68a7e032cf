/**
 * Issue #13 item 7: `sandbox run` says in one line how it is isolated; --quiet drops it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { runCli } from "../cli/mod.ts";
import { captureCli, type CapturedCli } from "./support/mod.ts";
import { policyYaml } from "./toolchain_fixtures.ts";

const netnsAvailable = (await detectIsolation()) === "netns";

function capture(cwd: string): CapturedCli {
  return captureCli(cwd, { env: { PATH: Deno.env.get("PATH"), NO_COLOR: "1" } });
}

Deno.test({
  name: "toolchain #13.7: sandbox run says in one line how it is isolated; --quiet drops it",
  ignore: !netnsAvailable,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "tg-tool-cli-" });
    try {
      await Deno.mkdir(join(dir, "policies"));
      await Deno.writeTextFile(join(dir, "policies", "p.yaml"), policyYaml());
      const loud = capture(dir);
      const args = ["sandbox", "run", "--policy", "p", "--", "true"];
      assert.equal(await runCli(args, loud.ctx), 0);
      const lines = loud.err().trim().split("\n");
      assert.equal(lines.length, 1, loud.err());
      assert.match(
        lines[0]!,
        /^sandbox: private network namespace.*ports 80,443 .*trust store; files: yours, .*; ptrace .* refused; at most 4096 processes and threads, (CPU weighed as one process at )?nice 10, (at most \d+ MiB of memory|memory NOT bounded \(.*\)) \(--isolate auto: .*\)$/,
      );
      const quiet = capture(dir);
      const quietArgs = ["sandbox", "run", "--policy", "p", "--quiet", "--", "true"];
      assert.equal(await runCli(quietArgs, quiet.ctx), 0);
      assert.equal(quiet.err(), "");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
