/**
 * The user's other terminals are not the sandbox's. Every terminal of a user's session is a
 * `/dev/pts/N` that user may open: a sandboxed command could read what is typed in another
 * window (a `sudo` or ssh passphrase) and write into it. The command gets a pseudo-terminal
 * instance of its own: the host's terminals are not there, its own (`pty.openpty()`, node-pty,
 * `script`) work, with or without a `filesystem_policy`. The terminal it was started on stays
 * usable through its descriptors and `/dev/tty`. Through the real `deno run -A main.ts sandbox
 * run`, started from a process that holds a second terminal with typed input waiting.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SANDBOX_RUN } from "./sandbox_fixtures.ts";
import { detectIsolation, probeLandlock } from "../proxy/sandbox/mod.ts";

const ignore = (await detectIsolation()) !== "netns";

/** Outside: a second terminal with "typed-secret" typed into it, then argv with OTHER_TTY. */
const OUTSIDE = `import os, subprocess, sys
other, other_slave = os.openpty()
os.write(other, b"typed-secret\\n")
env = dict(os.environ, OTHER_TTY=os.ttyname(other_slave))
run = subprocess.run(sys.argv[1:], env=env, capture_output=True, text=True, timeout=60)
os.set_blocking(other, False)
try:
    shown = os.read(other, 200).decode()
except BlockingIOError:
    shown = ""
print(run.returncode, run.stderr.splitlines()[-1:], "shown:", repr(shown))
print(run.stdout)
`;

/** Inside: the other terminal, then a terminal of its own. */
const INSIDE = `import os, subprocess
def attempt(name, act):
    try:
        act()
        print(name, "ok")
    except OSError as error:
        print(name, error.strerror)
def read_other():
    fd = os.open(os.environ["OTHER_TTY"], os.O_RDONLY | os.O_NONBLOCK)
    print("stolen:", os.read(fd, 100))
attempt("read_other", read_other)
attempt("write_other", lambda: open(os.environ["OTHER_TTY"], "w").write("spoofed\\n"))
def own():
    master, slave = os.openpty()
    os.write(slave, b"mine\\n")
    assert os.read(master, 10).startswith(b"mine")
attempt("own_pty", own)
`;

const FILES = [
  "filesystem_policy:",
  "  include_workdir: true",
  "  read_only: [/usr, /bin, /lib, /lib64, /etc, /proc]",
  "  read_write: [/dev/null]",
].join("\n");

async function run(files: boolean): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tg-ptys-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    const policy = ["version: 1", ...(files ? [FILES] : []), "network_policies: {}", ""];
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), policy.join("\n"));
    await Deno.writeTextFile(join(dir, "inside.py"), INSIDE);
    const sandbox = [...SANDBOX_RUN, "--policy", "p"];
    const out = await new Deno.Command("python3", {
      args: [
        "-c",
        OUTSIDE,
        ...sandbox,
        "--isolate",
        "netns",
        "--env",
        "OTHER_TTY",
        "--",
        "python3",
        "inside.py",
      ],
      cwd: dir,
      env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "sandbox: the user's other terminals are out of reach, its own pseudo-terminals work",
  ignore,
  fn: async () => {
    const out = await run(false);
    assert.match(out, /^read_other No such file or directory$/m, out);
    assert.match(out, /^write_other (No such file or directory|Permission denied)$/m, out);
    assert.match(out, /^own_pty ok$/m, out);
    assert.doesNotMatch(out, /stolen|spoofed\\r/, out);
  },
});

Deno.test({
  name: "sandbox filesystem_policy: its own pseudo-terminals work, the user's stay out of reach",
  ignore: ignore || typeof probeLandlock() !== "number",
  fn: async () => {
    const out = await run(true);
    assert.match(out, /^read_other No such file or directory$/m, out);
    assert.match(out, /^own_pty ok$/m, out);
  },
});
