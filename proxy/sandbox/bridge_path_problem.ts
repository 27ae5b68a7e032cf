/**
 * Whether a netns sandbox's forwarder can reach its bridge socket, `STATE/sandboxes/sb-ID/
 * proxy.sock`, from the state directory's path.
 *
 * @module
 */

import { isAbsolute, normalize } from "node:path";
import { within } from "./_within.ts";

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
 * forwarder cannot reach its bridge socket in, or undefined when it can. Env mode has no
 * forwarder, and is not concerned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bridgePathProblem } from "./bridge_path_problem.ts";
 *
 * assert.equal(bridgePathProblem("/home/me/project/.tollgate"), undefined);
 * assert.match(bridgePathProblem("/dev/shm/work/.tollgate")!, /pass --state DIR outside \/dev/);
 * ```
 */
export function bridgePathProblem(stateDir: string): string | undefined {
  const path = isAbsolute(stateDir) ? normalize(stateDir) : stateDir;
  const root = ALL_ACCESS_ONLY.find((folder) => within(path, folder));
  if (root === undefined) return undefined;
  return `Cannot start a netns sandbox with its state directory ${JSON.stringify(stateDir)} ` +
    `under ${root}: Deno refuses the sandbox's forwarder every socket there (it runs without ` +
    `--allow-all); pass --state DIR outside /dev, /proc and /sys`;
}
