/**
 * Cut a requester's ancestry at the sandbox boundary, so processes outside the sandbox (the
 * runner, the shell that started it, sshd, init) never lend their identity to a request.
 *
 * @module
 */

import type { RequesterIdentity } from "../policy/mod.ts";

/** Options of {@linkcode confineIdentity}. */
export interface ConfineOptions {
  /** Mount point of procfs. */
  procRoot?: string;
}

const defaults = { procRoot: "/proc" } satisfies ConfineOptions;
const MAX_DEPTH = 64;

/**
 * Keep only the part of `identity`'s ancestor chain that lies inside the sandbox: the
 * processes below `boundaryPid` (the process that started the sandbox's root command). A
 * requester that does not descend from `boundaryPid` is not part of this sandbox: the result
 * is an Error, and the proxy denies.
 *
 * A policy binary matches the requester "or any ancestor": without this cut, a rule for
 * `/usr/bin/deno` would match every process in a sandbox whose runner is Deno.
 *
 * @param identity What the `/proc` resolver found (with its `pid`).
 * @param boundaryPid The sandbox root command's parent, as seen from `procRoot`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confineIdentity } from "./confine_identity.ts";
 *
 * const ancestors = ["/usr/bin/bash", "/sbin/init"];
 * const identity = { exe: Deno.execPath(), ancestors, pid: Deno.pid };
 * // Started by our parent: only this process lies inside, its ancestors do not count.
 * const inside = confineIdentity(identity, Deno.ppid);
 * assert(!(inside instanceof Error) && inside.ancestors.length === 0);
 * // Not below the boundary at all: not a process of this sandbox.
 * assert(confineIdentity(identity, 2 ** 30) instanceof Error);
 * ```
 */
export function confineIdentity(
  identity: RequesterIdentity,
  boundaryPid: number,
  options: ConfineOptions = {},
): RequesterIdentity | Error {
  const procRoot = options.procRoot ?? defaults.procRoot;
  if (identity.pid === undefined) return new Error("requester has no pid to place in the sandbox");
  let inside = 0;
  for (let pid = identity.pid; inside < MAX_DEPTH; inside++) {
    if (pid === boundaryPid) {
      if (inside === 0) break;
      // `inside` processes (the requester and its nearest ancestors) lie below the boundary.
      return { ...identity, ancestors: identity.ancestors.slice(0, inside - 1) };
    }
    const parent = parentPid(procRoot, pid);
    if (parent === undefined || parent <= 0) break;
    pid = parent;
  }
  return new Error(`requester pid ${identity.pid} is not a process of this sandbox`);
}

/** The parent pid from `/proc/PID/stat` (field 4, after the parenthesised command name). */
export function parentPid(procRoot: string, pid: number): number | undefined {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`${procRoot}/${pid}/stat`);
  } catch {
    return undefined;
  }
  // The command name may itself contain spaces and parentheses: split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}
