/**
 * Close-on-exec for the descriptors a sandboxed command must not inherit: every one of the
 * runner above standard input, output and error (see {@linkcode closeAllOnExec}), and first of
 * all the bridge's listening socket. Deno 2.9's `node:net` creates a Unix
 * listener without `SOCK_CLOEXEC` (its `/proc/PID/fdinfo` flags read `04002`; TCP listeners
 * and `Deno.listen` set it), so every process spawned afterwards inherits it: the forwarder and
 * the sandboxed command, which could then `accept()` the forwarder's connections meant for the
 * runner, with the bridge secret and another process's bytes. The flag is set through libc's
 * `fcntl`, on the descriptor `/proc/self/fd` shows for the socket's inode.
 *
 * @module
 */

import { openLibc } from "./_libc.ts";

const F_SETFD = 2;
const FD_CLOEXEC = 1;

/**
 * The inodes of the listening Unix sockets bound to `path`, from the text of
 * `/proc/self/net/unix` (columns: Num RefCount Protocol Flags Type St Inode Path).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listeningInodes } from "./_close_on_exec.ts";
 *
 * const table = [
 *   "Num       RefCount Protocol Flags    Type St Inode Path",
 *   "00000000a: 00000002 00000000 00010000 0001 01 4711 /tmp/s b/proxy.sock",
 *   "00000000b: 00000003 00000000 00000000 0001 03 4712 /tmp/s b/proxy.sock",
 * ].join("\n");
 * assert.deepEqual(listeningInodes(table, "/tmp/s b/proxy.sock"), ["4711"]);
 * ```
 */
export function listeningInodes(table: string, path: string): string[] {
  return table.split("\n").slice(1).flatMap((line) => {
    const fields = line.trim().split(/\s+/);
    // Flags 00010000 is __SO_ACCEPTCON: a listening socket (a connected one has a path too).
    const listening = fields[3] === "00010000";
    return listening && fields.slice(7).join(" ") === path ? [fields[6]!] : [];
  });
}

/**
 * Mark the listening Unix socket bound to `path` (in this process) close-on-exec.
 *
 * @throws {Error} When no descriptor of this process is that socket, or FFI is unavailable
 * (the runner needs `--allow-ffi`, which `-A` gives): the sandbox must not start leaking it.
 */
export function closeOnExec(path: string): void {
  const inodes = listeningInodes(Deno.readTextFileSync("/proc/self/net/unix"), path);
  const wanted = new Set(inodes.map((inode) => `socket:[${inode}]`));
  const fds: number[] = [];
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    const link = (() => {
      try {
        return Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
      } catch {
        return ""; // closed while listing
      }
    })();
    if (wanted.has(link)) fds.push(Number(entry.name));
  }
  if (fds.length === 0) throw new Error(`No descriptor of this process listens on "${path}"`);
  markEach(fds, () => `Cannot mark the socket "${path}" close-on-exec`);
}

/**
 * `fcntl(fd, F_SETFD, FD_CLOEXEC)` on each of `fds`; where it fails, `failure(fd)` is the
 * message to throw (undefined: nothing to inherit there, go on).
 */
function markEach(fds: number[], failure: (fd: number) => string | undefined): void {
  // fcntl alone: the folder's whole table took some 6 ms of every start at load 20.
  const libc = openLibc(["fcntl"]);
  try {
    for (const fd of fds) {
      if (libc.symbols.fcntl(fd, F_SETFD, FD_CLOEXEC) === 0) continue;
      const message = failure(fd);
      if (message !== undefined) throw new Error(message);
    }
  } finally {
    libc.close();
  }
}

/** close_range(2)'s flag: mark the range close-on-exec instead of closing it. */
const CLOSE_RANGE_CLOEXEC = 4;

/**
 * Mark every descriptor of this process above 2 close-on-exec, so that a process spawned next
 * gets standard input, output and error alone. Deno opens its own descriptors so, but not the
 * ones the runner was started with: a harness's socket or pipe, systemd's `LISTEN_FDS`, a
 * shell's `exec 7<>/dev/tcp/...` all reached the sandboxed command, and a connected socket is a
 * way out that never meets the proxy, whatever namespace the command runs in. One
 * `close_range` call (Linux 5.11, glibc 2.34; a libc of this one symbol loads in about 0.5 ms,
 * the sandbox's whole libc in 3 ms), else `fcntl` on each descriptor through that whole libc.
 *
 * @throws {Error} When FFI is unavailable or a descriptor cannot be marked (the command must
 * not start with it).
 */
export function closeAllOnExec(): void {
  if (closeRangeOnExec()) return;
  const fds = [...Deno.readDirSync("/proc/self/fd")].map((e) => Number(e.name));
  // The descriptor that listed the folder is closed by now: nothing to inherit there.
  markEach(
    fds.filter((fd) => fd > 2),
    (fd) =>
      isOpen(fd)
        ? `Cannot mark descriptor ${fd} close-on-exec: the command would inherit it`
        : undefined,
  );
}

/** Whether close_range() marked descriptors 3 and up (false where libc or kernel lack it). */
function closeRangeOnExec(): boolean {
  let libc;
  try {
    libc = Deno.dlopen("libc.so.6", {
      close_range: { parameters: ["u32", "u32", "i32"], result: "i32" },
    });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    return false; // A libc without the symbol.
  }
  try {
    return libc.symbols.close_range(3, 0xffffffff, CLOSE_RANGE_CLOEXEC) === 0;
  } finally {
    libc.close();
  }
}

function isOpen(fd: number): boolean {
  try {
    Deno.readLinkSync(`/proc/self/fd/${fd}`);
    return true;
  } catch {
    return false;
  }
}
