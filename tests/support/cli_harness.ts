/**
 * Running the CLI in-process in a test: a context that captures what the commands print, and
 * a throw-away project directory with policies in it.
 *
 * @module
 */

import { join } from "node:path";
import { type CliContext, runCli } from "../../cli/mod.ts";

/** Options of {@linkcode captureCli}. */
export interface CaptureOptions {
  /** Environment the commands see (none by default). */
  env?: Record<string, string | undefined>;
  /** Aborting it stops long-running commands (a fresh, never-aborted signal by default). */
  signal?: AbortSignal;
  /** Told each piece of standard output as it is written (to wait for a line). */
  onOut?: (text: string) => void;
}

/** A capturing context and what it captured so far. */
export interface CapturedCli {
  /** The context to run commands with. */
  ctx: CliContext;
  /** Standard output so far. */
  out(): string;
  /** Standard error so far. */
  err(): string;
}

/**
 * A CLI context for `cwd` that captures standard output and error (not a terminal; exit codes
 * are read from `runCli()`'s result).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { captureCli } from "./cli_harness.ts";
 *
 * const { ctx, out } = captureCli("/");
 * ctx.out("hello\n");
 * assert.equal(out(), "hello\n");
 * ```
 */
export function captureCli(cwd: string, options: CaptureOptions = {}): CapturedCli {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    cwd,
    env: options.env ?? {},
    out: (text) => {
      out += text;
      options.onOut?.(text);
    },
    err: (text) => void (err += text),
    isTTY: false,
    signal: options.signal ?? new AbortController().signal,
    setExitCode: () => {},
  };
  return { ctx, out: () => out, err: () => err };
}

/**
 * Run `tollgate ARGS` in-process in `cwd` and return its exit code and output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCliIn } from "./cli_harness.ts";
 *
 * const { code, out } = await runCliIn(["policy", "--help"], "/");
 * assert.equal(code, 0);
 * assert(out.includes("validate"));
 * ```
 */
export async function runCliIn(
  args: string[],
  cwd: string,
  options: CaptureOptions = {},
): Promise<{ code: number; out: string; err: string }> {
  const captured = captureCli(cwd, options);
  const code = await runCli(args, captured.ctx);
  return { code, out: captured.out(), err: captured.err() };
}

/**
 * Run `fn` in a fresh project directory holding `policies/NAME.yaml` for each entry of
 * `policies`, removed afterwards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withPolicyWorkspace } from "./cli_harness.ts";
 *
 * await withPolicyWorkspace({ p: "version: 1\n" }, async (dir) => {
 *   assert.equal(await Deno.readTextFile(`${dir}/policies/p.yaml`), "version: 1\n");
 * });
 * ```
 */
export async function withPolicyWorkspace(
  policies: Record<string, string>,
  fn: (dir: string) => Promise<void>,
  prefix = "tollgate-cli-",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await Deno.mkdir(join(dir, "policies"));
    for (const [name, text] of Object.entries(policies)) {
      await Deno.writeTextFile(join(dir, "policies", `${name}.yaml`), text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
