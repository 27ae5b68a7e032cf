/**
 * The host's inter-process endpoints that a network namespace does not separate: Unix sockets
 * bound to a path, and the runner's user's runtime and shared-memory folders. A netns sandbox
 * covers each in the command's own mount namespace (see `_command_setup.ts`).
 *
 * @module
 */

import { isAbsolute } from "node:path";
import { within } from "./_within.ts";
import { realPathOf } from "./private_tmp.ts";

/** What a netns sandbox covers so that the command cannot reach the host's IPC endpoints. */
export interface HostIpc {
  /** Socket files bound on the host when the sandbox starts: each is covered by `/dev/null`. */
  sockets: string[];
  /**
   * Folders replaced by an empty tmpfs of the sandbox's own: `/dev/shm` (POSIX shared memory)
   * and the runner's `XDG_RUNTIME_DIR` (a desktop session's bus, agents and daemons), where
   * sockets bound after the start would appear.
   */
  privateDirs: PrivateDir[];
  /**
   * Other state directories' `sandboxes` folders holding a listed socket (another project's
   * sandboxes' bridges), each covered whole by an empty folder: it stays while their sandboxes
   * come and go, where a socket's own cover goes with the socket, and it hides their sandboxes
   * started after this one too. Their sockets stay listed in `sockets`.
   */
  sandboxFolders?: string[];
}

/** A folder covered by an empty tmpfs with the same permission bits. */
export interface PrivateDir {
  /** The folder, absolute. */
  path: string;
  /** The permission bits, e.g. `0o1777` for `/dev/shm`. */
  mode: number;
  /**
   * The host folders below it that the run needs (the working or state directory, links
   * followed), bound back at the same place in the sandbox's own; none: it is empty.
   */
  keep?: string[];
}

// A line of /proc/net/unix: "Num: RefCount Protocol Flags Type St Inode Path"; the path is
// everything after the inode (it may hold spaces), absent for unbound sockets, and starts with
// "@" for abstract ones, which the network namespace already separates.
const LINE = /^\s*[0-9a-f]+: [0-9A-F]+ [0-9A-F]+ [0-9A-F]+ [0-9A-F]+ [0-9A-F]+\s+\d+ (.+)$/;

/** A sandbox's bridge socket, `STATE/sandboxes/sb-ID/proxy.sock` (see `createSandboxDir()`). */
const BRIDGE_SOCKET = /^(\/.+\/sandboxes)\/sb-[0-9a-f]{8}\/proxy\.sock$/;

/**
 * The paths of the sockets `/proc/net/unix` lists (`text`): absolute ones, each once. A socket
 * bound with a relative path is listed as given, and cannot be found from here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unixSocketPaths } from "./host_ipc.ts";
 *
 * const text = [
 *   "Num       RefCount Protocol Flags    Type St Inode Path",
 *   "0000000000000000: 00000002 00000000 00010000 0001 01 21187 /run/user/1000/bus",
 *   "0000000000000000: 00000003 00000000 00000000 0001 03 21190 /run/user/1000/bus",
 *   "0000000000000000: 00000002 00000000 00010000 0001 01 17335 @/tmp/.X11-unix/X0",
 *   "0000000000000000: 00000003 00000000 00000000 0001 03  1249",
 *   "0000000000000000: 00000002 00000000 00010000 0001 01 20001 /tmp/with space.sock",
 * ].join("\n");
 * assert.deepEqual(unixSocketPaths(text), ["/run/user/1000/bus", "/tmp/with space.sock"]);
 * ```
 */
export function unixSocketPaths(text: string): string[] {
  const paths = new Set<string>();
  for (const line of text.split("\n")) {
    const path = LINE.exec(line)?.[1];
    if (path !== undefined && isAbsolute(path)) paths.add(path);
  }
  return [...paths];
}

/**
 * The runner's session runtime folder that a netns sandbox replaces with one of its own, or
 * undefined: `runtimeDir`, else `XDG_RUNTIME_DIR`, else `/run/user/UID` (sudo, ssh without a
 * session), when it is a folder of the runner's own that no one else may enter (XDG spec); a
 * variable naming anything else (/tmp, a shared folder) is not one, and is left as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sessionRuntimeDir } from "./host_ipc.ts";
 *
 * assert.equal(sessionRuntimeDir("/tmp"), undefined);
 * assert.equal(sessionRuntimeDir("relative/dir"), undefined);
 * ```
 */
export function sessionRuntimeDir(runtimeDir?: string): string | undefined {
  const path = runtimeDir ?? Deno.env.get("XDG_RUNTIME_DIR") ?? `/run/user/${Deno.uid()}`;
  if (!isAbsolute(path)) return undefined;
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return undefined;
  }
  const private_ = info.isDirectory && info.uid === Deno.uid() && (info.mode! & 0o077) === 0;
  return private_ ? path : undefined;
}

/**
 * What the command must not reach on this host: the socket files bound now (read from this
 * process's network namespace, the host's), the private folders that exist, and the
 * `sandboxes` folders of the bridge sockets among them. A private folder holding a path of
 * `keep` (the working directory, the state directory; links followed) is still covered, and
 * that path bound back into it (`PrivateDir.keep`): before, a working directory in `/dev/shm`
 * left the host's whole to the command. `/dev/shm` or the runtime folder itself as the working
 * or state directory is refused earlier (`bridgePathProblem()`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostIpc } from "./host_ipc.ts";
 *
 * const ipc = await hostIpc({ keep: ["/dev/shm/work"] });
 * const shm = ipc.privateDirs.find((dir) => dir.path === "/dev/shm");
 * assert.deepEqual(shm?.keep, ["/dev/shm/work"]);
 * assert.ok(ipc.sockets.every((path) => path.startsWith("/")));
 * ```
 */
export async function hostIpc(
  options: { keep: string[]; runtimeDir?: string },
): Promise<HostIpc> {
  const listed = await Deno.readTextFile("/proc/net/unix").catch(() => "");
  const sockets: string[] = [];
  for (const path of unixSocketPaths(listed)) {
    if (await Deno.lstat(path).then((info) => info.isSocket, () => false)) sockets.push(path);
  }
  const runtimeDir = sessionRuntimeDir(options.runtimeDir);
  const privateDirs: PrivateDir[] = [];
  const keep = [...new Set(options.keep.map(realPathOf))];
  for (const path of ["/dev/shm", ...runtimeDir === undefined ? [] : [runtimeDir]]) {
    if (keep.includes(path)) continue;
    const info = await Deno.lstat(path).catch(() => null);
    if (!info?.isDirectory) continue;
    const mode = (info.mode ?? 0) & 0o7777;
    const below = keep.filter((kept) => within(kept, path));
    privateDirs.push(below.length === 0 ? { path, mode } : { path, mode, keep: below });
  }
  // A socket inside a private folder is covered with it (one mount fewer at each start), unless
  // it lies in a folder bound back there.
  const inside = (path: string) =>
    privateDirs.some((dir) =>
      path.startsWith(`${dir.path}/`) && !dir.keep?.some((kept) => within(path, kept))
    );
  const outside = sockets.filter((path) => !inside(path));
  return { sockets: outside, privateDirs, sandboxFolders: await sandboxFolders(outside, options) };
}

/**
 * The `sandboxes` folders of the bridge sockets among `sockets`: real folders (not links)
 * holding none of `keep`.
 */
async function sandboxFolders(sockets: string[], options: { keep: string[] }): Promise<string[]> {
  const found = new Set<string>();
  for (const path of sockets) {
    const folder = BRIDGE_SOCKET.exec(path)?.[1];
    if (folder === undefined || found.has(folder)) continue;
    if (options.keep.some((kept) => within(kept, folder))) continue;
    if (await Deno.lstat(folder).then((info) => info.isDirectory, () => false)) found.add(folder);
  }
  return [...found];
}
