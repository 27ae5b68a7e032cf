/**
 * What keeps every git run of Tollgate from executing code planted in the repository (a
 * sandbox, or anyone who could write `.git` or `.gitattributes`): hooks, fsmonitor, signing
 * programs, pagers, editors, automatic gc, and attribute-selected drivers (filters, diff and
 * merge drivers) are switched off for that run.
 *
 * @module
 */

/**
 * Overrides given with `-c` to every git run. Command-line config beats every file
 * (system, global, repository, worktree), so a planted setting cannot win.
 */
export const HARDENED_CONFIG: readonly string[] = [
  // No hook runs, whichever directory the repository's config names.
  "core.hooksPath=/dev/null",
  // fsmonitor names a program git would start to list changed files.
  "core.fsmonitor=false",
  // Signing runs gpg.program (or ssh/x509 programs) of the repository's choosing.
  "commit.gpgSign=false",
  "core.pager=cat",
  "core.editor=true",
  "sequence.editor=true",
  // An external diff program would run for any diff output.
  "diff.external=",
  // Automatic gc or maintenance after a commit would start more processes (and hooks).
  "gc.auto=0",
  "maintenance.auto=false",
  "submodule.recurse=false",
  // The committed bytes must be the bytes written: no newline conversion by config.
  "core.autocrlf=false",
];

/** Environment of every git run: no system config, and nothing may prompt. */
export const HARDENED_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  GIT_EDITOR: "true",
  GIT_PAGER: "cat",
  GIT_ASKPASS: "true",
};

/** Config keys of drivers that run a command, selected by a path's attributes. */
export const DRIVER_KEYS =
  "^(filter|diff|merge)\\..+\\.(clean|smudge|process|textconv|command|driver)$";

/**
 * Config overrides that empty every configured driver command (names come from
 * `git config --null --name-only --get-regexp DRIVER_KEYS`): an empty command means no
 * driver, so an attribute naming one changes nothing. Passed through `GIT_CONFIG_COUNT`,
 * which carries any driver name verbatim.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { driverOverrides } from "./_git_hardening.ts";
 * const env = driverOverrides("filter.lfs.clean\0");
 * assert(env.GIT_CONFIG_KEY_0 === "filter.lfs.clean" && env.GIT_CONFIG_VALUE_0 === "");
 * ```
 */
export function driverOverrides(names: string): Record<string, string> {
  const keys = new Set(names.split("\0").filter((k) => k !== ""));
  for (const key of [...keys]) {
    // A required filter without a command would fail the run: it is not required any more.
    if (key.startsWith("filter.")) keys.add(key.replace(/\.[^.]+$/, ".required"));
  }
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(keys.size) };
  [...keys].forEach((key, i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = key.endsWith(".required") ? "false" : "";
  });
  return env;
}
