/**
 * A hostile command inside a real netns sandbox (with bubblewrap's syscall filter) looks for
 * ways out that a network namespace does not hold: a virtual machine's vsock channel to its
 * host, raw packets, netlink families other than routing, and a new user namespace (every
 * capability over fresh network and mount namespaces: the usual start of a kernel exploit).
 * Each is refused; what ordinary tools do (threads, subprocesses, listing interfaces) works.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { hostileSkip, inSandbox, PYTHON, results } from "./hostile_sandbox_fixtures.ts";

const ignore = hostileSkip !== undefined;
if (ignore) console.error(`hostile_sandbox_syscalls_test: skipped: ${hostileSkip}`);

/** Python run inside: each step prints `name result`, result `ok` or the errno's name. */
const ESCAPES = `
import ctypes, errno, os, socket, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
def attempt(name, make):
    try:
        make()
        print(name, "ok")
    except OSError as error:
        print(name, errno.errorcode[error.errno])
def sock(family, kind, proto=0):
    return lambda: socket.socket(family, kind, proto).close()
attempt("vsock", sock(40, socket.SOCK_STREAM))
attempt("packet", sock(17, socket.SOCK_RAW))
attempt("netlink_audit", sock(16, socket.SOCK_RAW, 9))
attempt("netlink_route", sock(16, socket.SOCK_RAW, 0))
def unshare_user():
    if libc.unshare(0x10000000) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
attempt("unshare_user", unshare_user)
attempt("interfaces", lambda: socket.if_nameindex())
thread = threading.Thread(target=lambda: None)
thread.start()
thread.join()
print("thread", "ok")
print("subprocess", "ok" if subprocess.run(["true"]).returncode == 0 else "failed")
`;

Deno.test({
  name: "hostile sandbox: vsock, raw packets, other netlink and new user namespaces are refused",
  ignore,
  fn: () =>
    inSandbox(
      `${PYTHON} escapes.py > out.txt 2>&1; unshare -r true 2> unshare.err; echo $? > unshare.rc`,
      async (dir, run) => {
        await Deno.writeTextFile(join(dir, "escapes.py"), ESCAPES);
        assert.equal(await run(), 0);
        assert.deepEqual(await results(join(dir, "out.txt")), {
          vsock: "EPERM",
          packet: "EPERM",
          netlink_audit: "EPERM",
          netlink_route: "ok",
          unshare_user: "EPERM",
          interfaces: "ok",
          thread: "ok",
          subprocess: "ok",
        });
        assert.notEqual((await Deno.readTextFile(join(dir, "unshare.rc"))).trim(), "0");
        assert.match(await Deno.readTextFile(join(dir, "unshare.err")), /Operation not permitted/);
      },
    ),
});
