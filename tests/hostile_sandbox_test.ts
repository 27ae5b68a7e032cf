/**
 * A hostile process inside a real `runSandbox()` netns sandbox tries to take over another
 * sandbox process (an allowed binary it started) after the proxy identified it: ptrace,
 * stealing its socket with pidfd_getfd, writing its memory through /proc/PID/mem. The syscall
 * filter refuses the first two, the read-only /proc the third; ordinary tools
 * (python's subprocess and asyncio, curl through the proxy) keep working. Without bubblewrap
 * the confine step loads the same filter.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BLOCKED_SYSCALLS } from "../proxy/sandbox/mod.ts";
import {
  BWRAP,
  exists,
  hostileSkip,
  inSandbox,
  netnsAvailable,
  PYTHON,
  results,
} from "./hostile_sandbox_fixtures.ts";

const ignore = hostileSkip !== undefined;
if (ignore) console.error(`hostile_sandbox_test: skipped: ${hostileSkip}`);

const nr = (name: string) => BLOCKED_SYSCALLS.find((call) => call.name === name)![Deno.build.arch];

/** Python run inside: each step prints `name result`, result being `ok` or the errno's name. */
const TAKEOVER = `
import ctypes, errno, os, socket, subprocess
libc = ctypes.CDLL(None, use_errno=True)
def call(name, *args):
    result = libc.syscall(*args)
    print(name, "ok" if result >= 0 else errno.errorcode[ctypes.get_errno()])
    return result
held, kept = socket.socketpair()
victim = subprocess.Popen(["sleep", "30"], pass_fds=[held.fileno()])
call("ptrace_attach", ${nr("ptrace")}, 16, victim.pid, 0, 0)
pidfd = call("pidfd_open", 434, victim.pid, 0)
call("pidfd_getfd", ${nr("pidfd_getfd")}, pidfd, held.fileno(), 0)
try:
    os.close(os.open(f"/proc/{victim.pid}/mem", os.O_RDWR))
    print("proc_mem_write", "ok")
except OSError as error:
    print("proc_mem_write", errno.errorcode[error.errno])
victim.kill()
victim.wait()
`;

/** Python run inside: what ordinary programs do, each step printing `name ok`. */
const ORDINARY = `
import asyncio, os, subprocess
print("subprocess", "ok" if subprocess.run(["true"]).returncode == 0 else "failed")
os.close(os.pidfd_open(os.getpid()))
print("pidfd_open", "ok")
os.close(os.memfd_create("x"))
print("memfd_create", "ok")
async def main():
    child = await asyncio.create_subprocess_exec("echo", "hi", stdout=asyncio.subprocess.PIPE)
    out, _ = await child.communicate()
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
    writer.close()
    server.close()
    print("asyncio", "ok" if out == b"hi\\n" else "failed")
asyncio.run(main())
`;

Deno.test({
  name:
    "hostile sandbox: ptrace, pidfd_getfd and /proc/PID/mem writes on a process it started fail",
  ignore,
  fn: () =>
    inSandbox(`${PYTHON} takeover.py > out.txt 2>&1`, async (dir, run) => {
      await Deno.writeTextFile(join(dir, "takeover.py"), TAKEOVER);
      assert.equal(await run(), 0);
      assert.deepEqual(await results(join(dir, "out.txt")), {
        ptrace_attach: "EPERM",
        // Allowed (asyncio uses it); taking a descriptor through it is what is refused.
        pidfd_open: "ok",
        pidfd_getfd: "EPERM",
        // /proc is read-only in the sandbox: no writing into the victim's memory either.
        proc_mem_write: "EROFS",
      });
    }),
});

Deno.test({
  name: "hostile sandbox: a debugger cannot start under the filter",
  ignore: ignore || !(await exists("/usr/bin/strace")),
  fn: () =>
    inSandbox("strace -o /dev/null true 2> strace.err; echo $? > strace.rc", async (dir, run) => {
      assert.equal(await run(), 0);
      assert.notEqual((await Deno.readTextFile(join(dir, "strace.rc"))).trim(), "0");
      assert.match(await Deno.readTextFile(join(dir, "strace.err")), /Operation not permitted/);
    }),
});

Deno.test({
  name: "hostile sandbox: python's subprocess and asyncio, and curl through the proxy, still work",
  ignore,
  fn: () =>
    inSandbox(
      `${PYTHON} ordinary.py > out.txt 2>&1; curl -sS -o body.txt http://upstream.test:PORT/`,
      async (dir, run) => {
        await Deno.writeTextFile(join(dir, "ordinary.py"), ORDINARY);
        assert.equal(await run(), 0);
        assert.deepEqual(await results(join(dir, "out.txt")), {
          subprocess: "ok",
          pidfd_open: "ok",
          memfd_create: "ok",
          asyncio: "ok",
        });
        assert.equal(await Deno.readTextFile(join(dir, "body.txt")), "hello from upstream\n");
      },
    ),
});

Deno.test({
  name: "hostile sandbox: bubblewrap above the command is no ancestor a policy can name",
  ignore,
  fn: () =>
    inSandbox(
      "curl -sS -o body.json http://upstream.test:PORT/",
      async (dir, run) => {
        assert.equal(await run(), 0);
        const body = JSON.parse(await Deno.readTextFile(join(dir, "body.json")));
        assert.deepEqual([body.error, body.binary], ["policy_denied", "/usr/bin/curl"]);
      },
      BWRAP,
    ),
});

/** A directory holding links to `tools` only (found in the usual system directories). */
async function pathWith(dir: string, tools: string[]): Promise<string> {
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  for (const tool of tools) {
    for (const system of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
      if (!(await exists(join(system, tool)))) continue;
      await Deno.symlink(await Deno.realPath(join(system, tool)), join(bin, tool));
      break;
    }
  }
  return bin;
}

Deno.test({
  name:
    "sandbox without bubblewrap: the confine step loads the syscall filter itself (setpriv drops capabilities)",
  ignore: !netnsAvailable,
  fn: () =>
    inSandbox(
      "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status > status.txt; " +
        "unshare -r true 2> /dev/null; echo $? > unshare.rc",
      async (dir, run) => {
        const tools = [
          "sh",
          "unshare",
          "nsenter",
          "setpriv",
          "prlimit",
          "nice",
          "mount",
          "mkdir",
          "ip",
          "true",
          "grep",
        ];
        const notices: string[] = [];
        const code = await run({
          path: await pathWith(dir, tools),
          onIsolated: (notice) => notices.push(notice),
        });
        assert.equal(code, 0);
        assert.deepEqual(
          (await Deno.readTextFile(join(dir, "status.txt"))).trim().split(/\n|\t/),
          ["NoNewPrivs:", "1", "Seccomp:", "2"],
        );
        assert.notEqual((await Deno.readTextFile(join(dir, "unshare.rc"))).trim(), "0");
        assert.equal(notices.length, 1);
        assert.match(
          notices[0]!,
          /; ptrace and the other syscalls that reach into another process are refused; at most /,
        );
      },
    ),
});
