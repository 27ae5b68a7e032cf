/**
 * The one way Tollgate runs git: the real binary, hardened (see `_git_hardening.ts`: no hooks,
 * no drivers, no prompts), output captured. In gateway/client because a host that only runs a
 * sandbox needs it too (`sandboxFence()`), and the client is the part of gateway/ it loads.
 *
 * @module
 */

import { HARDENED_CONFIG, HARDENED_ENV } from "./_git_hardening.ts";

/** The result of one git run. */
export interface GitResult {
  /** git's exit code (0 for success). */
  code: number;
  /** Everything git wrote to standard output. */
  stdout: string;
  /** Everything git wrote to standard error. */
  stderr: string;
  /** True when the run was killed at its `timeoutMs`. */
  timedOut?: boolean;
}

/** Options of one git run. */
export interface RunGitOptions {
  /** Text for git's standard input. */
  stdin?: string;
  /** Extra environment (e.g. `driverOverrides`). */
  env?: Record<string, string>;
  /** Kill git, and every process it started (its own process group), after this many ms. */
  timeoutMs?: number;
}

/**
 * Run git in `cwd`, hardened, and capture its output (never throws for a non-zero exit).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runGit } from "./run_git.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal((await runGit(["init", "-q"], dir)).code, 0);
 * const { stdout } = await runGit(["hash-object", "--stdin"], dir, { stdin: "" });
 * assert.equal(stdout.trim(), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"); // the empty blob
 * assert.notEqual((await runGit(["rev-parse", "HEAD"], dir)).code, 0); // no commit: no throw
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runGit(
  args: string[],
  cwd: string,
  options: RunGitOptions = {},
): Promise<GitResult> {
  const { stdin } = options;
  const child = new Deno.Command("git", {
    args: [...HARDENED_CONFIG.flatMap((c) => ["-c", c]), "--no-pager", ...args],
    cwd,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    // A prompt (editor, credentials, pager) must never block an approval.
    env: { ...HARDENED_ENV, ...options.env },
    detached: options.timeoutMs !== undefined,
  }).spawn();
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    try {
      // The whole group: a transport helper (git-remote-https, send-pack) must not finish a
      // push after the caller was told it failed, nor hold the output pipes open.
      Deno.kill(-child.pid, "SIGKILL");
      timedOut = true;
    } catch {
      // Already gone.
    }
  }, options.timeoutMs);
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    try {
      await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
    } catch {
      // git may exit before reading its input (no identity, a bad path): its exit code and
      // stderr below say why; a broken pipe here is not the error to report.
      await writer.abort().catch(() => {});
    }
  }
  const out = await child.output().finally(() => clearTimeout(timer));
  const decoder = new TextDecoder();
  const result = { code: out.code, stdout: decoder.decode(out.stdout) };
  return { ...result, stderr: decoder.decode(out.stderr), ...(timedOut ? { timedOut } : {}) };
}
