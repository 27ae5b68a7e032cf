/**
 * Polling helpers for tests that wait on something another task or process does: time-based,
 * not count-based, since timers run late on a loaded machine.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Resolve once `check()` holds (or resolves true); fail the test after `timeoutMs` (10 s by
 * default).
 *
 * @example
 * ```ts
 * import { waitFor } from "./wait_for.ts";
 *
 * let ready = false;
 * setTimeout(() => (ready = true), 20);
 * await waitFor(() => ready, "the flag");
 * ```
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!(await check())) assert.fail(`Timed out waiting for ${what}`);
}

/**
 * The lines of `file` (each passed through `render` first) that match `pattern`, once there
 * are at least `count` of them; fails the test after 10 s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { waitForLines } from "./wait_for.ts";
 *
 * const file = await Deno.makeTempFile();
 * setTimeout(() => Deno.writeTextFileSync(file, '{"class_uid":4002}\n{"class_uid":5019}\n'), 20);
 * const lines = await waitForLines(file, /"class_uid"/, 2);
 * assert.equal(lines.length, 2);
 * await Deno.remove(file);
 * ```
 */
export async function waitForLines(
  file: string,
  pattern: RegExp,
  count: number,
  render = (line: string) => line,
): Promise<string[]> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const text = await Deno.readTextFile(file).catch(() => "");
    const lines = text.split("\n").map(render).filter((line) => pattern.test(line));
    if (lines.length >= count) return lines;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`Timed out waiting for ${count} lines matching ${pattern} in ${file}`);
}
