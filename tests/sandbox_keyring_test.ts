/**
 * The kernel keyring is not separated by namespaces: a sandboxed command inherits the runner's
 * session keyring, and with it whatever a login put there (Kerberos tickets, an encrypted home's
 * keys, tokens tools cache with `keyctl`). The syscall filter refuses `keyctl`, `add_key` and
 * `request_key`, as Docker's default profile does. Run through the real `main.ts sandbox run`,
 * started from a process that has a session keyring holding a secret.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NO_RULES, SANDBOX_RUN } from "./sandbox_fixtures.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";

const ignore = (await detectIsolation()) !== "netns" || Deno.build.arch !== "x86_64";

/**
 * Joins a fresh session keyring, adds a secret to it and starts argv[1:] (the sandbox) with a
 * python reader of that key inside. Syscall numbers are x86_64's.
 */
const RUNNER = `import ctypes, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
assert libc.syscall(250, 1, None) > 0  # KEYCTL_JOIN_SESSION_KEYRING
key = libc.syscall(248, b"user", b"tg-test", b"secret-in-session", 17, -3)  # add_key, @s
assert key > 0
reader = (
    "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); "
    "buf = ctypes.create_string_buffer(64); "
    f"n = libc.syscall(250, 11, {key}, buf, 64); "  # KEYCTL_READ
    "print('read', buf.value.decode() if n > 0 else os.strerror(ctypes.get_errno()))"
)
subprocess.run(sys.argv[1:] + ["python3", "-c", reader], check=True)
`;

Deno.test({
  name: "sandbox: the command cannot read the runner's session keyring",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "tg-keyring-" });
    try {
      await Deno.mkdir(join(dir, "policies"));
      await Deno.writeTextFile(
        join(dir, "policies", "p.yaml"),
        NO_RULES,
      );
      const sandbox = [...SANDBOX_RUN, "--policy", "p"];
      const out = await new Deno.Command("python3", {
        args: ["-c", RUNNER, ...sandbox, "--isolate", "netns", "--"],
        cwd: dir,
        env: { NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.equal(stdout, "read Operation not permitted\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
