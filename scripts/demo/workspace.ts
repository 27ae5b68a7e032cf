/**
 * The demo's temporary Git workspace: a copy of the demo policy, committed, with a state
 * directory for the proxy's CA and logs.
 *
 * @module
 */

import { join } from "node:path";

/** Paths of a demo workspace. */
export interface Workspace {
  dir: string;
  policiesDir: string;
  stateDir: string;
  /** The scripted agent's step log. */
  stepsPath: string;
  remove(): Promise<void>;
}

/** Run git in `cwd` with a fixed identity (CI machines have none) and return stdout. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=Tollgate demo", "-c", "user.email=demo@tollgate.invalid", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const detail = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    throw new Error(`git ${args[0]} failed: ${detail}`);
  }
  return text;
}

/**
 * Create the workspace with `policies/demo.yaml` copied from the project and committed.
 *
 * @example
 * ```ts ignore
 * const ws = await createWorkspace("/path/to/tollgate");
 * await ws.remove();
 * ```
 */
export async function createWorkspace(projectRoot: string): Promise<Workspace> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-demo-" });
  const policiesDir = join(dir, "policies");
  const stateDir = join(dir, ".tollgate");
  await Deno.mkdir(policiesDir);
  await Deno.copyFile(join(projectRoot, "policies", "demo.yaml"), join(policiesDir, "demo.yaml"));
  await Deno.writeTextFile(join(dir, ".gitignore"), ".tollgate/\nagent-steps.jsonl\n");
  await git(dir, ["init", "-q", "-b", "main"]);
  // Approvals commit with the reviewer's identity: give the repository one.
  await git(dir, ["config", "user.name", "Demo Reviewer"]);
  await git(dir, ["config", "user.email", "reviewer@tollgate.invalid"]);
  await git(dir, ["add", "."]);
  await git(dir, ["commit", "-q", "-m", "Start with a read-only GitHub policy for curl"]);
  return {
    dir,
    policiesDir,
    stateDir,
    stepsPath: join(dir, "agent-steps.jsonl"),
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
