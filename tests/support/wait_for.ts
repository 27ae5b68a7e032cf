/**
 * Polling helpers for tests that wait on something another task or process does: time-based,
 * not count-based, since timers run late on a loaded machine.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Resolve once `check()` holds; fail the test after `timeoutMs` (10 s by default).
 *
 * @example
 * ```ts ignore
 * await waitFor(() => proxy.holder.generation === 2, "the reload");
 * ```
 */
export async function waitFor(
  check: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!check()) assert.fail(`Timed out waiting for ${what}`);
}

/**
 * The lines of `file` (each passed through `render` first) that match `pattern`, once there
 * are at least `count` of them; fails the test after 10 s.
 *
 * @example
 * ```ts ignore
 * const lines = await waitForLines(`${state}/logs/ocsf.jsonl`, /"class_uid"/, 5);
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
