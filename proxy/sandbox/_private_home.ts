/**
 * A fresh home directory for a command whose `filesystem_policy` does not reach the runner's
 * own: git, npm, pip and gh keep configuration and caches under `HOME`, and git stops on an
 * unreadable `~/.gitconfig`. As in OpenShell, whose sandbox user's home is its workspace, the
 * command then gets a home it may use, empty but for the user's git identity (name and email,
 * so that its commits keep their author): no credential, no cache, removed after the run. When
 * they reach it read-only, its configuration is shared but its caches cannot be written (npm
 * then stops, blaming "root-owned files"): the command's caches go to a fresh folder instead.
 * rustup's proxies (`~/.cargo/bin/cargo`) look for their toolchains in `$HOME/.rustup`: with a
 * fresh home they found none, so where the rules reach the runner's, `RUSTUP_HOME` names it.
 *
 * @module
 */

import { type FilesystemRules, reaches } from "./filesystem_rules.ts";
import { gitIdentity } from "./_git_identity.ts";

/** The folders a confined command gets in place of the runner's, each removed after the run. */
export interface PrivateDirs {
  /** A fresh HOME, when the rules do not reach the runner's. */
  home?: string;
  /** A fresh cache folder, when they reach it but not to write. */
  cache?: string;
  /**
   * The variables for them: the command's caches sent to the fresh folder (`XDG_CACHE_HOME`,
   * npm's cache), the runner's `~/.rustup` kept beside a fresh HOME (`RUSTUP_HOME`).
   */
  env: Record<string, string>;
}

/**
 * The fresh folders a command confined by `rules` (none: not confined) needs beside the
 * runner's `HOME`: a home when the rules do not reach it, a cache folder when they reach it but
 * not its caches (`~/.cache`, npm's `~/.npm`) to write. Both under `/tmp` (which a confined
 * sandbox may write), 0700.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { privateDirs } from "./_private_home.ts";
 *
 * const rules = { readOnly: ["/home/ann"], readWrite: ["/tmp", "/home/ann/.npm"], hard: false };
 * const { cache, env } = await privateDirs(rules, { HOME: "/home/ann" });
 * assert.deepEqual(env, { XDG_CACHE_HOME: cache }); // npm's own cache stays shared
 * await Deno.remove(cache!);
 * assert.deepEqual(await privateDirs({ ...rules, readWrite: ["/home"] }, { HOME: "/home/ann" }), {
 *   env: {},
 * });
 * ```
 */
export async function privateDirs(
  rules: FilesystemRules | undefined,
  runnerEnv: Record<string, string | undefined>,
): Promise<PrivateDirs> {
  const runnerHome = runnerEnv.HOME;
  if (rules === undefined || runnerHome === undefined) return { env: {} };
  if (!reaches(rules, runnerHome)) {
    const [home, env] = await Promise.all([
      makePrivateHome(runnerHome),
      rustupHome(rules, runnerEnv),
    ]);
    return { home, env };
  }
  const writable = (path: string) => reaches({ ...rules, readOnly: [] }, path);
  const [xdg, npm] = [`${runnerHome}/.cache`, `${runnerHome}/.npm`].map(writable);
  if (xdg && npm) return { env: {} };
  const cache = await Deno.makeTempDir({ dir: "/tmp", prefix: "tollgate-cache-" });
  return {
    cache,
    env: {
      ...(xdg ? {} : { XDG_CACHE_HOME: cache }),
      ...(npm ? {} : { npm_config_cache: `${cache}/npm` }),
    },
  };
}

/** `RUSTUP_HOME` for the runner's `~/.rustup`, when it names none and the rules reach it. */
async function rustupHome(
  rules: FilesystemRules,
  runnerEnv: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  const dir = `${runnerEnv.HOME}/.rustup`;
  if (runnerEnv.RUSTUP_HOME !== undefined || !reaches(rules, dir)) return {};
  const found = await Deno.stat(dir).then((info) => info.isDirectory, () => false);
  return found ? { RUSTUP_HOME: dir } : {};
}

/**
 * Make the home directory under `/tmp` (which a confined sandbox may write), 0700.
 *
 * @param runnerHome The runner's `HOME`, whose git identity is copied.
 */
export async function makePrivateHome(runnerHome: string | undefined): Promise<string> {
  const [home, identity] = await Promise.all([
    Deno.makeTempDir({ dir: "/tmp", prefix: "tollgate-home-" }),
    gitIdentity(runnerHome),
  ]);
  if (identity.length > 0) {
    const lines = identity.map(([key, value]) => `\t${key} = ${quoteGitValue(value)}\n`);
    await Deno.writeTextFile(`${home}/.gitconfig`, `[user]\n${lines.join("")}`, { mode: 0o600 });
  }
  return home;
}

/**
 * A value as git's config files write it: quoted, with `\\`, `"` and newlines escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteGitValue } from "./_private_home.ts";
 *
 * assert.equal(quoteGitValue('Ann "A" \\ B'), '"Ann \\"A\\" \\\\ B"');
 * ```
 */
export function quoteGitValue(value: string): string {
  const escaped = value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
  return `"${escaped}"`;
}
