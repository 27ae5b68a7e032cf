/**
 * `tollgate sandbox run`: flags, errors as one line with the right exit code, and CMD's exit
 * status through the real `deno run -A main.ts` entry.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runCli } from "../cli/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { captureCli, type CapturedCli, withPolicyWorkspace } from "./support/mod.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const netnsAvailable = (await detectIsolation()) === "netns";
const POLICY = "version: 1\nnetwork_policies: {}\n";

function capture(cwd: string): CapturedCli {
  return captureCli(cwd, { env: { PATH: Deno.env.get("PATH"), NO_COLOR: "1" } });
}

function withWorkspace(fn: (dir: string) => Promise<void>): Promise<void> {
  return withPolicyWorkspace({ p: POLICY }, fn, "tg-sbx-cli-");
}

Deno.test("sandbox run: bad usage exits 2 with one line", () =>
  withWorkspace(async (dir) => {
    const cases: { args: string[]; message: RegExp }[] = [
      { args: ["sandbox"], message: /Missing subcommand: use "sandbox run/ },
      { args: ["sandbox", "run", "--", "true"], message: /required option '--policy <name>'/ },
      { args: ["sandbox", "run", "--policy", "p"], message: /missing required argument/ },
      {
        args: ["sandbox", "run", "--policy", "p", "--isolate", "vm", "--", "true"],
        message: /argument 'vm' is invalid/,
      },
    ];
    for (const { args, message } of cases) {
      const io = capture(dir);
      assert.equal(await runCli(args, io.ctx), 2, args.join(" "));
      assert.match(io.err(), message, args.join(" "));
      assert.equal(io.err().trim().split("\n").length, 1, io.err());
    }
  }));

Deno.test("sandbox run: a missing policy is a failed operation (exit 1, one line)", () =>
  withWorkspace(async (dir) => {
    const io = capture(dir);
    const args = ["sandbox", "run", "--policy", "absent", "--isolate", "env", "--", "true"];
    assert.equal(await runCli(args, io.ctx), 1);
    assert.match(io.err(), /^error: No policy "absent" in /);
    assert.equal(io.err().trim().split("\n").length, 1, io.err());
    // Refused before anything is made: no CA, no sandbox directory.
    assert.ok(!existsSync(join(dir, ".tollgate", "ca")));
  }));

Deno.test("sandbox run: --isolate netns without the tools fails in one line; auto falls back", () =>
  withWorkspace(async (dir) => {
    const strict = capture(dir);
    strict.ctx.env.PATH = "/nonexistent";
    const args = ["sandbox", "run", "--policy", "p", "--isolate", "netns", "--", "/bin/true"];
    assert.equal(await runCli(args, strict.ctx), 1);
    assert.equal(
      strict.err(),
      "error: Cannot isolate with a network namespace: unshare (util-linux) is not installed\n",
    );
    const auto = capture(dir);
    auto.ctx.env.PATH = "/nonexistent";
    assert.equal(await runCli(["sandbox", "run", "--policy", "p", "--", "/bin/true"], auto.ctx), 0);
    assert.match(
      auto.err(),
      /^warning: --isolate auto fell back to env: a network namespace is unavailable here \(unshare \(util-linux\) is not installed\)\nwarning: --isolate env sets proxy variables only; it is not a security boundary/,
    );
  }));

Deno.test("sandbox run --isolate env: warns and exits with CMD's status", () =>
  withWorkspace(async (dir) => {
    const io = capture(dir);
    const args = [
      "sandbox",
      "run",
      "--policy",
      "p",
      "--isolate",
      "env",
      "--",
      "sh",
      "-c",
      "exit 5",
    ];
    assert.equal(await runCli(args, io.ctx), 5);
    assert.match(io.err(), /^warning: --isolate env sets proxy variables only/);
  }));

Deno.test({
  name: "sandbox run through main.ts: CMD's options pass through and its status comes back",
  ignore: !netnsAvailable,
  fn: () =>
    withWorkspace(async (dir) => {
      const out = join(dir, "args.txt");
      const args = ["run", "-A", "--quiet", join(root, "main.ts"), "sandbox", "run"];
      args.push("--policy", "p", "--isolate", "netns", "--");
      args.push("sh", "-c", `echo "$@" > ${out}; exit 7`, "sh", "-x", "--policy", "y");
      const result = await new Deno.Command(Deno.execPath(), {
        args,
        cwd: dir,
        env: { RUST_BACKTRACE: "0" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(result.code, 7, new TextDecoder().decode(result.stderr));
      assert.equal((await Deno.readTextFile(out)).trim(), "-x --policy y");
      assert.deepEqual([...Deno.readDirSync(join(dir, ".tollgate", "sandboxes"))], []);
    }),
});

Deno.test({
  name: "sandbox run: killing the runner with SIGKILL still takes the command down",
  ignore: !netnsAvailable,
  fn: () =>
    withWorkspace(async (dir) => {
      const marker = join(dir, "started");
      // A sleep of this run's own (other runs of this test may be on the machine at once).
      const sleep = `sleep 302.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
      const args = ["run", "-A", "--quiet", join(root, "main.ts"), "sandbox", "run"];
      args.push("--policy", "p", "--isolate", "netns", "--");
      args.push("sh", "-c", `touch ${marker}; ${sleep}`);
      const runner = new Deno.Command(Deno.execPath(), {
        args,
        cwd: dir,
        env: { RUST_BACKTRACE: "0" },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      while (!(await exists(marker))) await delay(20);
      runner.kill("SIGKILL");
      assert.equal((await runner.status).signal, "SIGKILL");
      // The forwarder sees its lifeline end and kills the command's namespace.
      for (let i = 0; i < 250 && (await stillRunning(dir, sleep)).length > 0; i++) await delay(20);
      assert.deepEqual(await stillRunning(dir, sleep), []);
    }),
});

/** The processes of this run still alive: its `sleep` command, its forwarder. */
async function stillRunning(dir: string, sleep: string): Promise<string[]> {
  const ps = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output();
  return new TextDecoder().decode(ps.stdout).split("\n").filter((line) =>
    line === sleep || (line.includes("netns_forwarder.ts") && line.includes(dir))
  );
}

function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
