/**
 * In a confined sandbox the working directory is writable, and usually a Git checkout that the
 * user works in afterwards on the host, outside the sandbox. Git runs code named by the
 * repository's own `.git/config` (`core.fsmonitor`, `core.hooksPath`, aliases, filters) and
 * `.git/hooks` on ordinary commands: a hostile command that wrote them would run its code on
 * the user's next `git status`, unconfined. Those are read-only inside; committing still works.
 * Through the real `deno run -A main.ts sandbox run`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, probeLandlock } from "../proxy/sandbox/mod.ts";
import { runSandboxCli } from "./sandbox_fixtures.ts";

const ignore = (await detectIsolation()) !== "netns" || typeof probeLandlock() !== "number";
if (ignore) console.error("sandbox_git_guard_test: skipped: needs netns and Landlock");

const POLICY = [
  "version: 1",
  "filesystem_policy:",
  "  include_workdir: true",
  "  read_only: [/usr, /bin, /lib, /lib64, /etc, /proc]",
  "  read_write: [/dev/null]",
  "network_policies: {}",
  "",
].join("\n");

/** Each step writes `name status` to results.txt; the marker is what planted code would touch. */
const SCRIPT = `
step() { name=$1; shift; if "$@" > /dev/null 2>&1; then echo "$name 0"; else echo "$name 1"; fi >> results.txt; }
step fsmonitor git config core.fsmonitor "touch $MARKER"
step config_swap sh -c 'printf "[core]\\n\\tfsmonitor = touch $MARKER\\n" > .git/cfg && mv .git/cfg .git/config'
step hook sh -c 'printf "#!/bin/sh\\ntouch $MARKER\\n" > .git/hooks/post-checkout && chmod +x .git/hooks/post-checkout'
step commit sh -c 'echo change >> file.txt && git -c user.name=a -c user.email=a@b commit -qam change'
`;

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  assert.ok(out.success, `git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

Deno.test({
  name: "sandbox filesystem_policy: the checkout's .git/config and hooks are read-only inside",
  ignore,
  fn: async () => {
    const repo = await Deno.makeTempDir({ prefix: "tg-git-guard-" });
    // Outside the checkout: the policy repository is read-only in a sandbox.
    const outside = await Deno.makeTempDir({ prefix: "tg-git-outside-" });
    const marker = join(outside, "ran");
    try {
      await git(repo, "init", "-q");
      await Deno.writeTextFile(join(outside, "p.yaml"), POLICY);
      await Deno.writeTextFile(join(repo, "file.txt"), "one\n");
      await git(repo, "add", ".");
      await git(repo, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "one");
      const out = await runSandboxCli(
        ["--policy", "p", "--policies", outside, "--isolate", "netns", "--env", "MARKER"]
          .concat(["--", "sh", "-c", SCRIPT]),
        { cwd: repo, env: { MARKER: marker } },
      );
      assert.equal(out.code, 0, out.stderr);
      const results = await Deno.readTextFile(join(repo, "results.txt"));
      assert.deepEqual(results.trim().split("\n"), [
        "fsmonitor 1",
        "config_swap 1",
        "hook 1",
        "commit 0",
      ]);
      // What the user does next, on the host: nothing planted runs.
      await git(repo, "status", "--short");
      await git(repo, "checkout", "-q", "-b", "next");
      assert.equal(await Deno.stat(marker).then(() => true, () => false), false);
    } finally {
      await Deno.remove(repo, { recursive: true });
      await Deno.remove(outside, { recursive: true });
    }
  },
});
