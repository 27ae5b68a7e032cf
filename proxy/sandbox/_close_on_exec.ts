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
  const libc = openLibc();
  try {
    for (const fd of fds) {
      if (libc.symbols.fcntl(fd, F_SETFD, FD_CLOEXEC) !== 0) {
        throw new Error(`Cannot mark the socket "${path}" close-on-exec`);
      }
    }
  } finally {
    libc.close();
  }
}

/**
 * Mark every descriptor of this process above 2 close-on-exec, so that a process spawned next
 * gets standard input, output and error alone. Deno opens its own descriptors so, but not the
 * ones the runner was started with: a harness's socket or pipe, systemd's `LISTEN_FDS`, a
 * shell's `exec 7<>/dev/tcp/...` all reached the sandboxed command, and a connected socket is a
 * way out that never meets the proxy, whatever namespace the command runs in.
 *
 * @throws {Error} When FFI is unavailable or a descriptor cannot be marked (the command must
 * not start with it).
 */
export function closeAllOnExec(): void {
  const fds = [...Deno.readDirSync("/proc/self/fd")].map((e) => Number(e.name)).filter((fd) =>
    fd > 2
  );
  const libc = openLibc();
  try {
    for (const fd of fds) {
      // -1 for the descriptor that listed the folder, closed by now: nothing to inherit.
      if (libc.symbols.fcntl(fd, F_SETFD, FD_CLOEXEC) !== 0 && isOpen(fd)) {
        throw new Error(`Cannot mark descriptor ${fd} close-on-exec: the command would inherit it`);
      }
    }
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
