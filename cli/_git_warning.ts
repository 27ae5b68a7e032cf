/**
 * The warning for a policies directory outside Git. Approvals there still change the policy
 * files and reload the proxies, but commit nothing, while the README's trust model says a
 * reviewed commit holds what the proxies enforce: the person running the gateway is told.
 * Kept apart from `_project.ts`, which `tollgate proxy` loads: this one imports the gateway's
 * Git helpers.
 *
 * @module
 */

import type { CliContext } from "./context.ts";
import { gitWorkTreeRoot } from "../gateway/repo/mod.ts";

/**
 * The warning for a policies directory outside Git: approvals still change its files, but
 * nothing is committed, so no reviewed commit holds what the proxies enforce.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notCommittedWarning } from "./_git_warning.ts";
 * assert.match(notCommittedWarning("/srv/policies"), /^warning: "\/srv\/policies" is not in a Git/);
 * ```
 */
export function notCommittedWarning(policiesDir: string): string {
  return `warning: "${policiesDir}" is not in a Git repository, so approvals are not ` +
    `committed: run "git init" in the project and commit the policies\n`;
}

/**
 * Warn on standard error, once at start-up, when a gateway's policies directory is outside Git.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { warnOutsideGit } from "./_git_warning.ts";
 * const dir = await Deno.makeTempDir();
 * let err = "";
 * await warnOutsideGit({ err: (text) => void (err += text) }, dir);
 * assert.match(err, /is not in a Git repository, so approvals are not committed/);
 * await Deno.remove(dir);
 * ```
 */
export async function warnOutsideGit(
  ctx: Pick<CliContext, "err">,
  policiesDir: string,
): Promise<void> {
  if (await gitWorkTreeRoot(policiesDir) === undefined) ctx.err(notCommittedWarning(policiesDir));
}
