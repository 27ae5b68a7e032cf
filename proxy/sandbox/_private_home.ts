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
  const home = await Deno.makeTempDir({ dir: "/tmp", prefix: "tollgate-home-" });
  for (const key of ["user.name", "user.email"]) {
    const value = await git(["config", "--global", "--get", key], runnerHome);
    if (value) await git(["config", "--file", `${home}/.gitconfig`, key, value], runnerHome);
  }
  return home;
}

/** Git's output, trimmed, or undefined when git is missing or fails. */
async function git(args: string[], home: string | undefined): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("git", {
      args,
      env: home === undefined ? {} : { HOME: home },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}
