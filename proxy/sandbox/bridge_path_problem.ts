/**
 * Whether a netns sandbox's forwarder can reach its bridge socket, `STATE/sandboxes/sb-ID/
 * proxy.sock`, from the state directory's path.
 *
 * @module
 */

import { isAbsolute, normalize } from "node:path";
import { within } from "./_within.ts";
import { sessionRuntimeDir } from "./host_ipc.ts";
import { realPathOf } from "./private_tmp.ts";

/**
 * Where Deno refuses every path to a process without `--allow-all`, whatever `--allow-read`,
 * `--allow-write` and `--allow-net=unix:` name (Deno 2.9: "Requires all access to ..."). The
 * forwarder runs with only its port and its socket allowed, so a socket there is never reached:
 * each connection the command made got an empty reply. Checked on the path itself, as Deno does:
 * a link outside these folders that leads into one is reached.
 */
const ALL_ACCESS_ONLY = ["/dev", "/proc", "/sys"];

/**
 * The one line that refuses a netns sandbox whose state directory (`stateDir`, absolute) its
 * forwarder cannot reach its bridge socket in (below `/dev`, `/proc`, `/sys`, or with a comma), or
 * whose working directory (`cwd`) is `/dev/shm` itself, or whose working or state directory is the
 * session's runtime folder itself (`runtimeDir`, by default `sessionRuntimeDir()`'s): the sandbox
 * gets one of each of its own, which would hide it (a folder below either is bound back). Else
 * undefined. Env mode has no forwarder and no mounts, and is not concerned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bridgePathProblem } from "./bridge_path_problem.ts";
 *
 * assert.equal(bridgePathProblem("/home/me/project/.tollgate", "/dev/shm/work"), undefined);
 * assert.match(bridgePathProblem("/dev/shm/work/.tollgate")!, /pass --state DIR outside \/dev/);
 * assert.match(bridgePathProblem("/home/me/.tollgate", "/dev/shm")!, /from a folder below/);
 * assert.match(bridgePathProblem("/home/me/a,b/.tollgate")!, /pass --state DIR without one$/);
 * const runtime = Deno.makeTempDirSync(); // the runner's own, 0700: as a session's
 * try {
 *   assert.match(bridgePathProblem("/tmp/x/.tollgate", runtime, runtime)!, /folder itself/);
 *   assert.equal(bridgePathProblem(`${runtime}/.tollgate`, "/tmp/x", runtime), undefined);
 * } finally {
 *   Deno.removeSync(runtime);
 * }
 * ```
 */
export function bridgePathProblem(
  stateDir: string,
  cwd?: string,
  runtimeDir?: string,
): string | undefined {
  if (cwd !== undefined && realPathOf(cwd) === "/dev/shm") {
    return "Cannot run a netns sandbox in /dev/shm itself: the sandbox gets a /dev/shm of its " +
      "own, which would hide your files; run it from a folder below /dev/shm or elsewhere";
  }
  // Kept whole, it would leave the host's runtime folder (every file of the session's agents
  // and daemons) to the command; a folder below it is bound back into the sandbox's own.
  const runtime = sessionRuntimeDir(runtimeDir);
  for (
    const [which, dir, fix] of [["working", cwd, "run it"], ["state", stateDir, "pass --state DIR"]]
  ) {
    if (runtime === undefined || dir === undefined || realPathOf(dir) !== runtime) continue;
    return `Cannot run a netns sandbox with its ${which} directory ${JSON.stringify(runtime)}, ` +
      "the session's runtime folder itself: the sandbox gets one of its own, which would hide " +
      `your files; ${fix} below it or elsewhere`;
  }
  // Deno's permission flags are comma-separated lists with no escape: the forwarder's
  // `--allow-net=…,unix:SOCK` would not start ("invalid host 'b/.tollgate/…'").
  if (stateDir.includes(",")) {
    return `Cannot start a netns sandbox with its state directory ${JSON.stringify(stateDir)}: ` +
      "Deno cannot name a path with a comma in the forwarder's permissions; pass --state DIR " +
      "without one";
  }
  const path = isAbsolute(stateDir) ? normalize(stateDir) : stateDir;
  const root = ALL_ACCESS_ONLY.find((folder) => within(path, folder));
  if (root === undefined) return undefined;
  return `Cannot start a netns sandbox with its state directory ${JSON.stringify(stateDir)} ` +
    `under ${root}: Deno refuses the sandbox's forwarder every socket there (it runs without ` +
    `--allow-all); pass --state DIR outside /dev, /proc and /sys`;
}
