/**
 * The terminal a sandboxed command inherits as its standard input, output or error, by path.
 *
 * @module
 */

/** How to look at one of the runner's descriptors and its session (injected for tests). */
export interface StdioProbe {
  /** Where descriptor `fd` leads (`/proc/self/fd/N`), or undefined. */
  target(fd: number): string | undefined;
  /** The device number of the character device at `path`, or undefined for anything else. */
  charDevice(path: string): number | undefined;
  /** The device number of the runner's controlling terminal (0: none). */
  controllingTerminal(): number;
}

/**
 * The terminal devices among the runner's descriptors 0 to 2 (`/dev/ttyN`, `/dev/console`, and a
 * pseudo-terminal as `/proc/self/fd/N`: the sandbox mounts a `/dev/pts` of its own, where the
 * runner's `/dev/pts/N` is not), and `/dev/tty` when one of them is the runner's controlling
 * terminal.
 *
 * Why: a command confined by a `filesystem_policy` that inherits the runner's terminal holds
 * it open already, but Landlock refuses to open it again by path, so `echo x > /dev/stderr`,
 * `tee /dev/tty` or a git credential prompt failed with `EACCES` in an interactive sandbox.
 * Granting these paths adds no access (the command shares the runner's session, so `/dev/tty`
 * is that same terminal; typing into it is refused by the syscall filter): other terminals stay
 * refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stdioTerminals } from "./stdio_terminals.ts";
 *
 * const probe = {
 *   target: (fd: number) => ["/dev/pts/3", "pipe:[7]", "/dev/pts/3"][fd],
 *   charDevice: (path: string) => (path === "/dev/pts/3" ? 0x8803 : undefined),
 *   controllingTerminal: () => 0x8803,
 * };
 * // The sandbox's /dev/pts is its own: the runner's pseudo-terminal is reached through the
 * // descriptor the command holds (the confine step opens the path in the same process).
 * assert.deepEqual(stdioTerminals(probe), ["/proc/self/fd/0", "/dev/tty"]);
 * assert.deepEqual(stdioTerminals({ ...probe, controllingTerminal: () => 0 }), [
 *   "/proc/self/fd/0",
 * ]);
 * ```
 */
export function stdioTerminals(probe: StdioProbe = procProbe): string[] {
  const found: string[] = [];
  const seen: string[] = [];
  let controlling = false;
  for (const fd of [0, 1, 2]) {
    const path = probe.target(fd);
    if (path === undefined || !/^\/dev\/(pts\/\d+|tty\d*|console)$/.test(path)) continue;
    if (path === "/dev/tty") continue;
    const device = probe.charDevice(path);
    if (device === undefined) continue;
    if (!seen.includes(path)) {
      seen.push(path);
      found.push(path.startsWith("/dev/pts/") ? `/proc/self/fd/${fd}` : path);
    }
    if (device === probe.controllingTerminal()) controlling = true;
  }
  return controlling ? [...found, "/dev/tty"] : found;
}

/** The runner's own descriptors and session, through /proc. */
const procProbe: StdioProbe = {
  target(fd) {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return undefined;
    }
  },
  charDevice(path) {
    try {
      const info = Deno.statSync(path);
      return info.isCharDevice ? info.rdev ?? undefined : undefined;
    } catch {
      return undefined;
    }
  },
  controllingTerminal() {
    try {
      // Field 7 (tty_nr), counted after the command name, which may hold spaces.
      const stat = Deno.readTextFileSync("/proc/self/stat");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[4] ?? 0);
    } catch {
      return 0;
    }
  },
};
