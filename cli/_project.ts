/**
 * Where a command runs: a Tollgate project is a directory holding a policies directory (made
 * by `tollgate init`) and, once something ran, the state directory beside it. Commands run
 * outside one say so, instead of printing "No proposals" or creating a CA in the wrong place.
 *
 * @module
 */

import { join } from "node:path";
import { CliFailure } from "./context.ts";

/** The default `--state`: a command given it creates state only inside a project. */
const DEFAULT_STATE = "./.tollgate";

/**
 * Check that `policiesDir` is a directory.
 *
 * @throws {CliFailure} Saying how to make one or point at one (exit 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requirePoliciesDir } from "./_project.ts";
 *
 * await assert.rejects(requirePoliciesDir("/nonexistent/policies"), /run "tollgate init"/);
 * ```
 */
export async function requirePoliciesDir(policiesDir: string): Promise<string> {
  if (await isDirectory(policiesDir)) return policiesDir;
  throw new CliFailure(
    `No policies directory at "${policiesDir}": run "tollgate init" to make one, or pass ` +
      `--policies DIR`,
  );
}

/**
 * Check that `policiesDir/NAME.yaml` exists, naming the policies there when it does not.
 *
 * @throws {CliFailure} Without the directory or the file (exit 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requirePolicy } from "./_project.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/agent.yaml`, "version: 1\n");
 * await requirePolicy(dir, "agent");
 * await assert.rejects(requirePolicy(dir, "other"), /its policies: agent/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function requirePolicy(policiesDir: string, name: string): Promise<void> {
  await requirePoliciesDir(policiesDir);
  const file = join(policiesDir, `${name}.yaml`);
  if (await Deno.stat(file).then((s) => s.isFile, () => false)) return;
  const names: string[] = [];
  for await (const entry of Deno.readDir(policiesDir)) {
    if (entry.isFile && entry.name.endsWith(".yaml")) names.push(entry.name.slice(0, -5));
  }
  const there = names.length > 0 ? `its policies: ${names.sort().join(", ")}` : "it has none";
  throw new CliFailure(`No policy "${name}" in "${policiesDir}" (${there}): pass --policy NAME`);
}

/**
 * Before a command creates state (a CA, a credential) in the default `./.tollgate`: refuse
 * when neither it nor a `./policies` directory exists in `cwd`, since that is not a project.
 *
 * @throws {CliFailure} Saying how to start a project or name the state directory (exit 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireStateHome } from "./_project.ts";
 *
 * const dir = await Deno.makeTempDir();
 * // Neither policies/ nor .tollgate/: not a project, so the default state is refused...
 * await assert.rejects(requireStateHome(dir, "./.tollgate"), /Not in a Tollgate project/);
 * // ...but a state directory named on purpose is fine anywhere.
 * await requireStateHome(dir, `${dir}/state`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function requireStateHome(cwd: string, stateFlag: string): Promise<void> {
  if (stateFlag !== DEFAULT_STATE || await isDirectory(join(cwd, stateFlag))) return;
  if (await isDirectory(join(cwd, "policies"))) return;
  throw new CliFailure(
    `Not in a Tollgate project ("${cwd}" has no policies/ or .tollgate/): run it where you ` +
      `ran "tollgate init", or pass --state DIR`,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isDirectory, () => false);
}
