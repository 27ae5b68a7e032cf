/**
 * A fresh home directory for a command whose `filesystem_policy` does not reach the runner's
 * own: git, npm, pip and gh keep configuration and caches under `HOME`, and git stops on an
 * unreadable `~/.gitconfig`. As in OpenShell, whose sandbox user's home is its workspace, the
 * command then gets a home it may use, empty but for the user's git identity (name and email,
 * so that its commits keep their author): no credential, no cache, removed after the run.
 *
 * @module
 */

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

/** The runner's `user.name` and `user.email` (one git call; none when git is missing). */
async function gitIdentity(home: string | undefined): Promise<[string, string][]> {
  try {
    const out = await new Deno.Command("git", {
      args: ["config", "--global", "--null", "--get-regexp", "^user\\.(name|email)$"],
      env: home === undefined ? {} : { HOME: home },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return [];
    // --null: each entry is "key\nvalue\0".
    return new TextDecoder().decode(out.stdout).split("\0").flatMap((entry) => {
      const at = entry.indexOf("\n");
      return at > 0 ? [[entry.slice(5, at), entry.slice(at + 1)] as [string, string]] : [];
    });
  } catch {
    return [];
  }
}
