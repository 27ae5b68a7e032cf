/**
 * The demo's temporary workspace: a Git repository holding a copy of the demo policy,
 * committed, and beside it (outside the repository, which the sandbox sees read-only) a state
 * directory for the proxy's CA and logs and the agent's step log.
 *
 * @module
 */

import { join } from "node:path";

/** Paths of a demo workspace. */
export interface Workspace {
  /** The agent's working directory, holding the repository, the state and the step log. */
  dir: string;
  /** The policy repository (read-only inside the sandbox). */
  repoDir: string;
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 * import { createWorkspace } from "./workspace.ts";
 *
 * const ws = await createWorkspace(fileURLToPath(new URL("../..", import.meta.url)));
 * assert.equal((await Deno.stat(`${ws.policiesDir}/demo.yaml`)).isFile, true);
 * await ws.remove();
 * ```
 */
export async function createWorkspace(projectRoot: string): Promise<Workspace> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-demo-" });
  const repoDir = join(dir, "policy-repo");
  const policiesDir = join(repoDir, "policies");
  const stateDir = join(dir, ".tollgate");
  await Deno.mkdir(policiesDir, { recursive: true });
  await Deno.copyFile(join(projectRoot, "policies", "demo.yaml"), join(policiesDir, "demo.yaml"));
  await git(repoDir, ["init", "-q", "-b", "main"]);
  // Approvals commit with the reviewer's identity: give the repository one.
  await git(repoDir, ["config", "user.name", "Demo Reviewer"]);
  await git(repoDir, ["config", "user.email", "reviewer@tollgate.invalid"]);
  await git(repoDir, ["add", "."]);
  await git(repoDir, ["commit", "-q", "-m", "Start with a read-only GitHub policy for curl"]);
  return {
    dir,
    repoDir,
    policiesDir,
    stateDir,
    stepsPath: join(dir, "agent-steps.jsonl"),
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
