/**
 * The /tmp of a sandbox confined by a `filesystem_policy`: an empty tmpfs of its own, as an
 * OpenShell sandbox (a container) has, with the host paths it must still see shown again at the
 * same place. The host's /tmp is where daemons started later put their sockets (a tmux server,
 * whose `new-window CMD` runs CMD outside; X11; an editor's or language server's), and Landlock
 * does not refuse `connect()` to a socket: each would be a way past the proxy.
 *
 * @module
 */

import { normalize } from "node:path";
import type { FilesystemPlan } from "./filesystem_plan.ts";
import type { FilesystemRules } from "./filesystem_rules.ts";
import { within } from "./_within.ts";

/** A path below /tmp in the sandbox's own /tmp. */
export interface TmpPath {
  /** Absolute, normalized, below /tmp. */
  path: string;
  /**
   * `rw`/`ro`: the host's file or folder, shown read-write or read-only; `new`: an empty folder
   * (0700) of the sandbox's own (its `TMPDIR`); `copy`: a folder of the sandbox's own (0700)
   * holding a copy of the host's (the fresh HOME and cache), whose writes stay in the sandbox's
   * /tmp and count against its size.
   */
  show: "rw" | "ro" | "new" | "copy";
}

/** What the sandbox's own /tmp shows of the host's, see {@linkcode privateTmp}. */
export interface PrivateTmpInput {
  /** The rules Landlock applies (the policy's lists, the working directory). */
  rules: FilesystemRules;
  /**
   * Host paths the launch itself needs there, read-write: the working and state directories,
   * the fresh HOME and cache, the confine step's Deno cache.
   */
  kept: string[];
  /** Host files the confine step reads there: the Deno executable, its own source folder. */
  keptReadOnly?: string[];
  /** The command's `TMPDIR`: below /tmp and in no shown path, an empty folder is made for it. */
  tmpdir?: string;
  /**
   * Folders the runner made for the command (its fresh HOME and cache): copied into the
   * sandbox's /tmp rather than shown, so that what the command writes there is capped with it
   * instead of filling the host's /tmp (a tmpfs on many systems).
   */
  copied?: string[];
}

/**
 * Whether a launch under `plan` gives the command a /tmp of its own: when Landlock confines it
 * (without a `filesystem_policy` it has the runner's files by design), unless its working or
 * state directory (in `keep`, links followed) is /tmp or holds it, which it would lose.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ownsTmp } from "./private_tmp.ts";
 *
 * const plan = { kind: "landlock" as const, abi: 4, sections: { filesystem_policy: {} } };
 * assert.ok(ownsTmp(plan, ["/tmp/work", "/home/ann/.tollgate"]));
 * assert.ok(!ownsTmp(plan, ["/tmp", "/tmp/.tollgate"]));
 * assert.ok(!ownsTmp(plan, ["/", "/root/.tollgate"]));
 * assert.ok(!ownsTmp({ kind: "none" }, ["/tmp/work"]));
 * ```
 */
export function ownsTmp(plan: FilesystemPlan, keep: string[]): boolean {
  return plan.kind === "landlock" && !keep.some((path) => within("/tmp", normalize(path)));
}

/** `path` with its links followed, as the setup script's `pwd -P` sees it; as given if gone. */
export function realPathOf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

/**
 * The paths below /tmp that the sandbox's own /tmp shows, parents first, each once: `kept`
 * read-write; those the policy lists, with its access (a `read_only` one is shown read-only,
 * although the baseline's read-write /tmp would let Landlock write it: the host's folder is what
 * the policy named); `tmpdir` as a new empty folder; `copied` as copies. A path inside one
 * shown read-write, or
 * a read-only one inside any shown, is left out: its parent shows it already.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { privateTmp } from "./private_tmp.ts";
 *
 * const rules = {
 *   readOnly: ["/usr", "/tmp/shared", "/tmp/work/ref"],
 *   readWrite: ["/tmp", "/tmp/work", "/tmp/out/"],
 *   hard: false,
 * };
 * const kept = ["/tmp/work", "/home/ann"];
 * assert.deepEqual(privateTmp({ rules, kept, tmpdir: "/tmp/t", copied: ["/tmp/home-1"] }), [
 *   { path: "/tmp/home-1", show: "copy" },
 *   { path: "/tmp/out", show: "rw" },
 *   { path: "/tmp/shared", show: "ro" },
 *   { path: "/tmp/t", show: "new" },
 *   { path: "/tmp/work", show: "rw" },
 * ]);
 * ```
 */
export function privateTmp(input: PrivateTmpInput): TmpPath[] {
  const listed: TmpPath[] = [
    ...input.kept.map((path) => ({ path, show: "rw" as const })),
    ...input.rules.readWrite.map((path) => ({ path, show: "rw" as const })),
    ...input.rules.readOnly.map((path) => ({ path, show: "ro" as const })),
    ...(input.keptReadOnly ?? []).map((path) => ({ path, show: "ro" as const })),
    ...(input.tmpdir === undefined ? [] : [{ path: input.tmpdir, show: "new" as const }]),
    ...(input.copied ?? []).map((path) => ({ path, show: "copy" as const })),
  ].flatMap(({ path, show }) => {
    const clean = normalize(path).replace(/\/+$/, "");
    return clean.startsWith("/tmp/") ? [{ path: clean, show }] : [];
  });
  // Read-write first, so that a folder listed both ways is shown read-write, as Landlock grants.
  const order = { rw: 0, ro: 1, new: 2, copy: 2 };
  listed.sort((a, b) => order[a.show] - order[b.show]);
  const shown: TmpPath[] = [];
  for (const item of listed) {
    const covered = shown.some((other) =>
      within(item.path, other.path) && (other.show === "rw" || item.show !== "rw")
    );
    if (!covered) shown.push(item);
  }
  return shown.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/**
 * Whether the host's `path` is out of the command's sight once its /tmp is its own showing
 * `shown`: below /tmp and in no shown path (a socket there needs no cover).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hiddenByPrivateTmp } from "./private_tmp.ts";
 *
 * const shown = [{ path: "/tmp/work", show: "rw" as const }];
 * assert.ok(hiddenByPrivateTmp("/tmp/.X11-unix/X0", shown));
 * assert.ok(!hiddenByPrivateTmp("/tmp/work/own.sock", shown));
 * assert.ok(!hiddenByPrivateTmp("/run/user/1000/bus", shown));
 * ```
 */
export function hiddenByPrivateTmp(path: string, shown: TmpPath[]): boolean {
  return path.startsWith("/tmp/") &&
    !shown.some((item) => (item.show === "rw" || item.show === "ro") && within(path, item.path));
}
