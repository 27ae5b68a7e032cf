/**
 * The proposal store a CLI command acts through: on an existing policies directory, with
 * CONFIG events logged to the state directory when it exists, and a failed log write said on
 * standard error (an approval that happened is never undone by its audit line, nor silent).
 *
 * @module
 */

import { join } from "node:path";
import { type CliContext, resolveUserPath } from "./context.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { testPause } from "./_test_pause.ts";
import { OcsfLog } from "../proxy/ocsf/mod.ts";
import { requirePoliciesDir } from "./_project.ts";

/**
 * Open the store of `--policies`, logging to `--state`'s `logs/` when given.
 *
 * @throws {CliFailure} Without a policies directory (exit 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./_proposal_store.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/policies`);
 * await Deno.writeTextFile(`${dir}/policies/team.yaml`, "version: 1\n");
 * const errors: string[] = [];
 * const ctx = {
 *   cwd: dir,
 *   env: {},
 *   out: () => {},
 *   err: (text: string) => void errors.push(text),
 *   isTTY: false,
 *   signal: new AbortController().signal,
 *   setExitCode: () => {},
 * };
 * const store = await openStore(ctx, "policies"); // relative to ctx.cwd
 * assert.equal(store.policiesDir, `${dir}/policies`);
 * await assert.rejects(openStore(ctx, "missing"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openStore(
  ctx: CliContext,
  policies: string,
  state?: string,
): Promise<ProposalStore> {
  const policiesDir = await requirePoliciesDir(resolveUserPath(ctx, policies));
  const logDir = state === undefined ? undefined : join(resolveUserPath(ctx, state), "logs");
  const log = logDir === undefined ? undefined : new OcsfLog(logDir, {
    onTrouble: (message) => ctx.err(`warning: ${message}\n`),
  });
  return new ProposalStore({
    policiesDir,
    // Events go to the state directory's log when that directory exists (a gateway or proxy
    // runs from it); the CLI never creates one as a side effect. A failed log write must not
    // become an unhandled rejection that ends the command after the approval succeeded.
    emit: (event) => {
      if (log && isDir(join(logDir!, ".."))) void log.append(event).catch(() => {});
    },
    beforeStep: testPause(ctx),
  });
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
