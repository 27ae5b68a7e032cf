/**
 * Test hook of the commands that write policies: `TOLLGATE_TEST_PAUSE_AT=<step>` stops before
 * that approval or removal step, so a crash test can kill the process there.
 *
 * @module
 */

import type { CliContext } from "./context.ts";

/**
 * The `beforeStep` hook for a store opened by the CLI: pause (up to 2 minutes) before the
 * step `TOLLGATE_TEST_PAUSE_AT` names, after saying so on standard error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testPause } from "./_test_pause.ts";
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
 * // Without TOLLGATE_TEST_PAUSE_AT no step pauses.
 * assert.equal(await testPause(ctx)("commit"), undefined);
 * ```
 */
export function testPause(ctx: CliContext): (step: string) => Promise<void> {
  const at = ctx.env.TOLLGATE_TEST_PAUSE_AT;
  return async (step) => {
    if (step !== at) return;
    ctx.err(`tollgate-test: paused before ${step}\n`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 120_000);
      ctx.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()));
    });
  };
}
