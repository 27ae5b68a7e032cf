/**
 * A policy's `filesystem_policy` confines a netns sandbox's command to the listed paths
 * (Landlock), as in OpenShell: a hostile command can no longer plant a file the user runs later
 * (a shell profile, a git config) or read one it was not given. Through the real
 * `deno run -A main.ts sandbox run` entry, with curl through the proxy still working.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, probeLandlock } from "../proxy/sandbox/mod.ts";
import { runSandboxCli, withUpstream } from "./sandbox_fixtures.ts";

const landlock = probeLandlock();
const ignore = (await detectIsolation()) !== "netns" || typeof landlock !== "number";
if (ignore) console.error(`sandbox_filesystem_test: skipped: needs netns and Landlock`);

const SYSTEM = ["/usr", "/bin", "/lib", "/lib64", "/etc", "/proc"];

/** The policy: curl may read upstream.test:PORT; `files` is its filesystem_policy, if any. */
function policy(port: number, files?: string): string {
  return [
    "version: 1",
    ...(files === undefined ? [] : [files]),
    "network_policies:",
    "  up:",
    `    endpoints: [{ host: upstream.test, port: ${port}, protocol: rest, access: read-only }]`,
    "    binaries: [{ path: /usr/bin/curl }]",
    "",
  ].join("\n");
}

const CONFINED = [
  "filesystem_policy:",
  "  include_workdir: true",
  `  read_only: [${SYSTEM.join(", ")}]`,
  "  read_write: [/dev/null]",
].join("\n");

/** Each step writes `name status` to results.txt in the working directory. */
const SCRIPT = `
step() { name=$1; shift; if "$@" > /dev/null 2>&1; then echo "$name 0"; else echo "$name 1"; fi >> results.txt; }
step workdir_write sh -c 'echo ok > mine.txt'
step plant sh -c 'echo pwned > "$OUTSIDE/.profile"'
step read_secret cat "$OUTSIDE/secret.txt"
step curl sh -c 'curl -sf http://upstream.test:PORT/ > fetched.txt'
step git git config --list
step home_write touch "$HOME/.npmrc"
echo "$HOME" > home.txt
`;

interface Outcome {
  code: number;
  stderr: string;
  results: Record<string, string>;
  planted: boolean;
  /** The command's HOME, and whether it is still there after the run. */
  home: string;
  homeLeft: boolean;
  /** The runner's HOME (a temporary folder outside /tmp). */
  outside: string;
}

/** Run SCRIPT (or `command`, found on `PATH` after `OUTSIDE/bin`) in a sandbox for `files`. */
async function run(files?: string, command?: string[]): Promise<Outcome> {
  const workdir = await Deno.makeTempDir({ prefix: "tg-fs-work-" });
  // Not under /tmp, which every confined sandbox may write (OpenShell's baseline).
  const outside = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "tg-fs-home-" });
  try {
    await Deno.writeTextFile(join(outside, "secret.txt"), "secret\n");
    await Deno.mkdir(join(outside, "bin"));
    await Deno.writeTextFile(join(outside, "bin", "tool"), "#!/bin/sh\n", { mode: 0o755 });
    let outcome: Outcome | undefined;
    await withUpstream(async (port) => {
      await Deno.mkdir(join(workdir, "policies"));
      await Deno.writeTextFile(join(workdir, "policies", "p.yaml"), policy(port, files));
      const args = ["--policy", "p", "--isolate", "netns"];
      args.push("--resolve", `upstream.test:${port}:127.0.0.1`, "--env", "OUTSIDE", "--");
      args.push(...command ?? ["sh", "-c", SCRIPT.replaceAll("PORT", String(port))]);
      const out = await runSandboxCli(args, {
        cwd: workdir,
        // The runner's home is `outside`: what a hostile command would plant in or read from.
        env: { OUTSIDE: outside, HOME: outside, PATH: `${outside}/bin:/usr/bin:/bin` },
      });
      const stderr = out.stderr;
      const text = await Deno.readTextFile(join(workdir, "results.txt")).catch(() => "");
      const lines = text.trim() === "" ? [] : text.trim().split("\n");
      const results = Object.fromEntries(lines.map((line) => line.split(" ")));
      const planted = await Deno.stat(join(outside, ".profile")).then(() => true, () => false);
      const home = (await Deno.readTextFile(join(workdir, "home.txt")).catch(() => "")).trim();
      const homeLeft = home !== "" && await Deno.stat(home).then(() => true, () => false);
      outcome = { code: out.code, stderr, results, planted, home, homeLeft, outside };
    });
    return outcome!;
  } finally {
    await Deno.remove(workdir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
}

Deno.test({
  name: "sandbox filesystem_policy: only the listed paths and the workdir; curl still works",
  ignore,
  fn: async () => {
    const confined = await run(CONFINED);
    assert.equal(confined.code, 0, confined.stderr);
    assert.deepEqual(confined.results, {
      workdir_write: "0",
      plant: "1",
      read_secret: "1",
      curl: "0",
      // The runner's HOME is out of reach (git stops on an unreadable ~/.gitconfig): the
      // command gets a fresh one, removed after the run.
      git: "0",
      home_write: "0",
    });
    assert.equal(confined.planted, false);
    assert.match(confined.home, /^\/tmp\/tollgate-home-/);
    assert.equal(confined.homeLeft, false);
    assert.match(
      confined.stderr,
      /files: only its policy's filesystem_policy paths, HOME a fresh empty directory, \/tmp its own;/,
    );
  },
});

Deno.test({
  name: "sandbox without filesystem_policy: the runner's files stay reachable, and it says so",
  ignore,
  fn: async () => {
    const open = await run();
    assert.equal(open.code, 0, open.stderr);
    assert.deepEqual(open.results, {
      workdir_write: "0",
      plant: "0",
      read_secret: "0",
      curl: "0",
      git: "0",
      home_write: "0",
    });
    assert.equal(open.home, open.outside);
    assert.equal(open.planted, true);
    assert.match(open.stderr, /files: yours, but for Tollgate's state and the policies/);
  },
});

Deno.test({
  name: "sandbox filesystem_policy: hard_requirement with a missing path stops in one line",
  ignore,
  fn: async () => {
    const missing =
      `${CONFINED}\n  - /nonexistent-tollgate-path\nlandlock: { compatibility: hard_requirement }`;
    const hard = await run(
      missing.replace("read_write: [/dev/null]", "read_write:\n  - /dev/null"),
    );
    assert.equal(hard.code, 126, hard.stderr);
    assert.match(
      hard.stderr,
      /^tollgate sandbox: filesystem_policy names paths that do not exist: \/nonexistent-tollgate-path$/m,
    );
    assert.deepEqual(hard.results, {});
  },
});

Deno.test({
  name: "sandbox filesystem_policy: a command outside the listed paths stops in one line",
  ignore,
  fn: async () => {
    // Found on the runner's PATH, in a folder the policy does not list: said before it starts.
    const outside = await run(CONFINED, ["tool"]);
    assert.equal(outside.code, 1, outside.stderr);
    assert.equal(
      outside.stderr.trim().split("\n").at(-1),
      `error: Command "tool" is ${outside.outside}/bin/tool, which the ` +
        "policy's filesystem_policy does not list (add it, or its folder, to read_only)",
    );
    assert.deepEqual(outside.results, {});
  },
});
