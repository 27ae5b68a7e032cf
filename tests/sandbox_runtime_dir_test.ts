/**
 * `sandbox run` whose working directory or state directory *is* the session's runtime folder
 * (`XDG_RUNTIME_DIR`). A netns sandbox gets a runtime folder of its own (an empty tmpfs) and
 * binds back the host folders below it that it keeps, but one that is the folder itself was kept
 * whole: the command saw every file of the host's runtime folder and wrote into it. Now refused
 * in one line before anything is made, as `/dev/shm` itself is; a folder below it still runs,
 * with the host's other files hidden.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { NO_RULES, runSandboxCli } from "./sandbox_fixtures.ts";

const netnsAvailable = (await detectIsolation()) === "netns";
const REFUSED =
  /^error: Cannot run a netns sandbox with its (working|state) directory .* the session's runtime folder itself: .*; (run it|pass --state DIR) below it or elsewhere\n$/;

/** A runtime folder of the runner's own (0700) holding a host file and `policies/p.yaml`. */
async function withRuntimeDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tg-sbx-runtime-" });
  try {
    await Deno.chmod(dir, 0o700);
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), NO_RULES);
    await Deno.writeTextFile(join(dir, "host.txt"), "host\n");
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What the command sees of the host's file in the runtime folder, and whether it writes there. */
const script = (dir: string) =>
  `if [ -e ${dir}/host.txt ]; then echo seen; else echo hidden; fi; echo x > ${dir}/planted`;

function run(cwd: string, dir: string, args: string[]) {
  const env = { PATH: "/usr/bin:/bin", XDG_RUNTIME_DIR: dir, RUST_BACKTRACE: "0" };
  const all = ["--policy", "p", "--isolate", "netns", "--quiet", ...args];
  return runSandboxCli([...all, "--", "sh", "-c", script(dir)], { cwd, env });
}

Deno.test({
  name: "sandbox run: the runtime folder itself as working or state directory is refused",
  ignore: !netnsAvailable,
  fn: () =>
    withRuntimeDir(async (dir) => {
      const elsewhere = await Deno.makeTempDir({ prefix: "tg-sbx-cwd-" });
      try {
        await Deno.mkdir(join(elsewhere, "policies"));
        await Deno.writeTextFile(join(elsewhere, "policies", "p.yaml"), NO_RULES);
        for (const [cwd, args] of [[dir, []], [elsewhere, ["--state", dir]]] as const) {
          const result = await run(cwd, dir, [...args]);
          const what = `${cwd} ${args.join(" ")}: ${result.stdout} ${result.stderr}`;
          assert.equal(result.code, 1, what);
          assert.match(result.stderr, REFUSED, what);
          assert.equal(result.stdout, "", what);
          assert.ok(!existsSync(join(dir, "planted")), what);
        }
        // Refused before anything is made: no CA in either.
        assert.ok(!existsSync(join(dir, ".tollgate")));
        assert.ok(!existsSync(join(dir, "ca")));
      } finally {
        await Deno.remove(elsewhere, { recursive: true });
      }
    }),
});

Deno.test({
  name: "sandbox run: a folder below the runtime folder runs, the host's other files hidden",
  ignore: !netnsAvailable,
  fn: () =>
    withRuntimeDir(async (dir) => {
      const below = join(dir, "work");
      await Deno.mkdir(join(below, "policies"), { recursive: true });
      await Deno.writeTextFile(join(below, "policies", "p.yaml"), NO_RULES);
      const result = await run(below, dir, []);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, "hidden\n", result.stderr);
      // Its write went to the sandbox's own runtime folder, not the host's.
      assert.ok(!existsSync(join(dir, "planted")));
    }),
});
