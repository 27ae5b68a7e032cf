/**
 * The runner's `PATH` and `TMPDIR` as a command confined by a `filesystem_policy` can use them.
 *
 * @module
 */

import { delimiter } from "node:path";
import { type FilesystemRules, reaches } from "./filesystem_rules.ts";

/**
 * `env` with `PATH` cut to the directories `rules` reach and `TMPDIR` dropped unless `rules`
 * let the command write there; `env` itself when there are no rules.
 *
 * Why: a `PATH` directory Landlock refuses still holds files the command can see (a lookup is
 * not refused, running the file is), so `which`, `command -v` and Python's `sys.executable`
 * name a program that cannot run: a runner's `~/.pyenv/shims` made every `python3 -m venv`
 * link to a shim the venv could not start. Cut, the lookup finds the system's program, as
 * the shell already ran. A `TMPDIR` the command cannot write (a per-user folder under `/run`
 * or the home) makes `mktemp` and the tools that trust it fail; without it they use `/tmp`,
 * which every confined sandbox may write. Relative `PATH` entries (the working directory)
 * are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confinedEnv } from "./confined_env.ts";
 *
 * const rules = { readOnly: ["/usr", "/bin"], readWrite: ["/tmp", "/work"], hard: false };
 * const env = { PATH: "/home/ann/.pyenv/shims:/usr/bin:/bin:.", TMPDIR: "/run/user/1000" };
 * assert.deepEqual(confinedEnv(env, rules), { PATH: "/usr/bin:/bin:." });
 * assert.deepEqual(confinedEnv({ TMPDIR: "/work/tmp" }, rules), { TMPDIR: "/work/tmp" });
 * assert.deepEqual(confinedEnv({ TMPDIR: "/usr/tmp" }, rules), {});
 * assert.equal(confinedEnv(env, undefined), env);
 * ```
 */
export function confinedEnv(
  env: Record<string, string | undefined>,
  rules: FilesystemRules | undefined,
): Record<string, string | undefined> {
  if (rules === undefined) return env;
  const out = { ...env };
  if (env.PATH !== undefined) {
    const kept = env.PATH.split(delimiter).filter((dir) =>
      !dir.startsWith("/") || reaches(rules, dir)
    );
    out.PATH = kept.join(delimiter);
  }
  const writable = { ...rules, readOnly: [] };
  if (env.TMPDIR !== undefined && !reaches(writable, env.TMPDIR)) delete out.TMPDIR;
  return out;
}
