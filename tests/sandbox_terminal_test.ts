/**
 * A sandboxed command shares the runner's terminal (so an agent's interactive session works),
 * and with it the terminal's input queue. `ioctl(TIOCSTI)` pushes characters into that queue as
 * if typed: a hostile command could queue `curl … | sh` and exit, and the user's shell would run
 * it outside the sandbox (the attack bubblewrap's `--new-session` exists for). The syscall filter
 * refuses TIOCSTI and TIOCLINUX; the rest of the terminal works. Run through the real
 * `main.ts sandbox run` under a real pseudo-terminal (`script`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { NO_RULES, SANDBOX_RUN, withUpstream } from "./sandbox_fixtures.ts";

const hasScript = await Deno.stat("/usr/bin/script").then(() => true, () => false);
const ignore = (await detectIsolation()) !== "netns" || !hasScript;
if (!hasScript) console.error("sandbox_terminal_test: skipped: util-linux `script` is missing");

/** Inside: push "echo INJECTED" and a newline into the terminal, then report the outcome. */
const INJECT = `import fcntl, os, sys, termios
try:
    for ch in b"echo INJECTED\\n":
        fcntl.ioctl(0, termios.TIOCSTI, bytes([ch]))
    print("tiocsti ok")
except OSError as error:
    print("tiocsti", os.strerror(error.errno))
print("isatty", os.isatty(0))
`;

Deno.test({
  name: "sandbox: the command cannot type into the runner's terminal (TIOCSTI)",
  ignore,
  fn: () =>
    withUpstream(async () => {
      const dir = await Deno.makeTempDir({ prefix: "tg-tty-" });
      try {
        await Deno.mkdir(join(dir, "policies"));
        await Deno.writeTextFile(
          join(dir, "policies", "p.yaml"),
          NO_RULES,
        );
        await Deno.writeTextFile(join(dir, "inject.py"), INJECT);
        const sandbox = [...SANDBOX_RUN, "--policy", "p", "--isolate", "netns", "--"]
          .concat(["python3", "inject.py"]).join(" ");
        // The shell that started the sandbox reads its terminal afterwards, as a user's would.
        const outer = `${sandbox} > inside.txt 2>&1; read -t 2 line; echo "shell read: [$line]"`;
        // script's input stays open: at its end script would flush the terminal's queue.
        const child = new Deno.Command("script", {
          args: ["-qec", `bash -c '${outer}'`, "/dev/null"],
          cwd: dir,
          env: { NO_COLOR: "1" },
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const out = await child.output();
        await child.stdin.close().catch(() => {});
        const inside = await Deno.readTextFile(join(dir, "inside.txt"));
        const shown = new TextDecoder().decode(out.stdout);
        assert.match(shown, /shell read: \[\]/, shown);
        assert.match(inside, /^tiocsti Operation not permitted$/m, inside);
        assert.match(inside, /^isatty True$/m, inside);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }),
});
