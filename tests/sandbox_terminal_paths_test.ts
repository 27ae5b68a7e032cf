/**
 * A command confined by a `filesystem_policy` and started from a terminal (`tollgate sandbox
 * run` typed at a shell) opens that terminal again by path (`> /dev/stdout`, `tee /dev/tty`,
 * git's prompts), which it holds open already; a terminal it was not given stays refused.
 * Through the real `deno run -A main.ts sandbox run`, started on a pseudo-terminal as a shell
 * would start it. (Typing into the terminal, TIOCSTI: `sandbox_terminal_test.ts`.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { probeLandlock } from "../proxy/sandbox/mod.ts";
import { hostileSkip, PYTHON } from "./hostile_sandbox_fixtures.ts";
import { SANDBOX_RUN } from "./sandbox_fixtures.ts";

const skip = hostileSkip ?? (typeof probeLandlock() === "number" ? undefined : "needs Landlock");
const ignore = skip !== undefined;
if (ignore) console.error(`sandbox_terminal_paths_test: skipped: ${skip}`);

/**
 * Outside: run argv on a new pseudo-terminal (its controlling terminal), print what it wrote.
 * A second terminal, which the command was not given, is named in OTHER_TTY.
 */
const ON_A_TERMINAL = `
import os, pty, sys
other, other_slave = os.openpty()
os.environ["OTHER_TTY"] = os.ttyname(other_slave)
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
`;

/** Run `command` in a sandbox for `policy`, started on a pseudo-terminal; what it printed. */
async function onTerminal(policy: string, command: string[], files: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "tg-tty-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), policy);
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    const sandbox = [...SANDBOX_RUN, "--policy", "p"];
    sandbox.push("--isolate", "netns", "--quiet", "--env", "OTHER_TTY", "--", ...command);
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", ON_A_TERMINAL, ...sandbox],
      cwd: dir,
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? dir },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Inside, confined: open the inherited terminal again by path, then another terminal. */
const REOPEN = `
echo to-stdout > /dev/stdout && echo "stdout ok"
(exec 3<>/dev/tty) && echo "tty ok"
if (exec 3<>"$OTHER_TTY") 2>/dev/null; then echo "other ok"; else echo "other refused"; fi
`;

Deno.test({
  name:
    "sandbox filesystem_policy: a command on a terminal opens it again by path (/dev/stdout, /dev/tty), no other",
  ignore,
  fn: async () => {
    const policy = "version: 1\nfilesystem_policy: { include_workdir: true }\n";
    const text = await onTerminal(policy, ["sh", "-c", REOPEN], {});
    assert.match(text, /^stdout ok\r?$/m, text);
    assert.match(text, /^tty ok\r?$/m, text);
    assert.match(text, /^other refused\r?$/m, text);
  },
});
