/**
 * `tollgate init [DIR]`: start a Tollgate project — a policies directory with a commented
 * starting policy, a `.gitignore` that keeps Tollgate's state out of Git, and a Git
 * repository (made when DIR is in none), so that approvals are commits from the first one.
 *
 * @module
 */

import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { type CliContext, CliFailure, resolveUserPath } from "./context.ts";

/** The policy `init` writes, and the name `up --policy` then takes. */
const STARTING_POLICY = "agent";

const POLICY_TEXT = `# Tollgate policy for one sandbox: what its agent may reach on the network.
#
# It starts empty, so every request is denied. A denied agent gets a structured 403 that names
# the missing rule, proposes the narrowest rule to http://policy.local, and the proposal waits
# in policies/pending/ until a person approves it (tollgate proposals list / approve, or the
# gateway's /inbox). Approval appends the rule below, bumps the revision and commits.
#
# Format: NVIDIA OpenShell's (see the README's "Policy reference"). A rule looks like:
#
#   github_read:                       # rule key, named in logs and 403 bodies
#     endpoints:
#       - host: api.github.com         # exact, *.example.com (one label) or **.example.com
#         port: 443
#         protocol: rest               # L7: each request decided; omit for host:port only
#         access: read-only            # or rules: [{ allow: { method: GET, path: "/x/**" } }]
#     binaries:
#       - path: /usr/bin/curl          # the program (or an ancestor) that makes the request
#
# Check it with: tollgate policy validate policies/${STARTING_POLICY}.yaml
version: 1
# tollgate-revision: 0

# Files: without a filesystem_policy the sandboxed command reaches every file you can (~/.ssh,
# tokens under ~/.config, your shell profile). Uncomment to confine it (Landlock) to the system,
# its working directory and /tmp, plus what you list (your agent's own configuration, say):
# filesystem_policy:
#   include_workdir: true
#   read_write: [/home/you/.claude]

network_policies: {}
`;

/** Tollgate's state: a CA key, tokens, credentials and logs, never committed. */
const IGNORED = ".tollgate/";

/**
 * Register `init [DIR]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command } from "@commander-js/extra-typings";
 * import { registerInitCommands } from "./init_command.ts";
 *
 * const ctx = {
 *   cwd: "/",
 *   env: {},
 *   out() {},
 *   err() {},
 *   isTTY: false,
 *   signal: new AbortController().signal,
 *   setExitCode() {},
 * };
 * const program = new Command();
 * registerInitCommands(program, ctx);
 * assert.deepEqual(program.commands.map((c) => c.name()), ["init"]);
 * ```
 */
export function registerInitCommands(program: Command, ctx: CliContext): void {
  program.command("init").description(
    "Start a Tollgate project: policies/ with a starting policy, .gitignore, a Git repository",
  )
    .argument("[dir]", "project directory", ".")
    .action(async (dir) => {
      const root = resolveUserPath(ctx, dir);
      const policies = join(root, "policies");
      if (await Deno.stat(policies).then(() => true, () => false)) {
        throw new CliFailure(`"${policies}" exists already: nothing changed`);
      }
      await Deno.mkdir(join(policies), { recursive: true });
      await Deno.writeTextFile(join(policies, `${STARTING_POLICY}.yaml`), POLICY_TEXT);
      await ignoreState(join(root, ".gitignore"));
      const git = await ensureGitRepo(root);
      ctx.out(summary(root, dir, git));
    });
}

async function ignoreState(file: string): Promise<void> {
  const text = await Deno.readTextFile(file).catch(() => "");
  if (text.split("\n").some((line) => line.trim() === IGNORED)) return;
  const gap = text === "" || text.endsWith("\n") ? "" : "\n";
  await Deno.writeTextFile(
    file,
    `${text}${gap}# Tollgate's state: CA key, tokens, logs\n${IGNORED}\n`,
  );
}

/** "made", "existing", or "missing" (no git on PATH: approvals are not committed). */
async function ensureGitRepo(root: string): Promise<"made" | "existing" | "missing"> {
  const git = (args: string[]) =>
    new Deno.Command("git", { args, cwd: root, stdout: "null", stderr: "null" }).output();
  try {
    if ((await git(["rev-parse", "--is-inside-work-tree"])).success) return "existing";
    // The branch `gateway --remote` follows by default, unless the user chose their own.
    const chosen = (await git(["config", "init.defaultBranch"])).success;
    const made = await git(["init", "--quiet", ...(chosen ? [] : ["--initial-branch=main"])]);
    if (!made.success) throw new CliFailure(`"git init" failed in "${root}"`);
    return "made";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
}

function summary(root: string, typed: string, git: "made" | "existing" | "missing"): string {
  const repo = {
    made: "a new Git repository",
    existing: "the Git repository it is in",
    missing: "no Git repository: git is not installed, so approvals will not be commits",
  }[git];
  const cd = typed === "." ? "" : `cd ${typed} && `;
  return [
    `Tollgate project in ${root} (${repo}):`,
    `  policies/${STARTING_POLICY}.yaml  the starting policy (denies everything until a rule is approved)`,
    `  .gitignore           keeps ${IGNORED} (CA key, tokens, logs) out of Git`,
    "Next:",
    `  ${cd}git add policies .gitignore && git commit -m "Tollgate policies"`,
    `  tollgate up --policy ${STARTING_POLICY}`,
    "",
  ].join("\n");
}
