/**
 * `sandbox run`'s own flags that take more than a number: `--nice` and `--env`.
 *
 * @module
 */

import { UsageError } from "./context.ts";
import { checkPassedEnv } from "../proxy/sandbox/mod.ts";

/**
 * `--nice N`: a whole number from 0 (the runner's own priority) to 19 (the lowest).
 *
 * @throws {UsageError} For anything else.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNice } from "./_sandbox_flags.ts";
 * assert.equal(parseNice("10"), 10);
 * assert.throws(() => parseNice("20"), /from 0 to 19/);
 * ```
 */
export function parseNice(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) > 19) {
    throw new UsageError(`Invalid --nice "${text}": expected a whole number from 0 to 19`);
  }
  return Number(text);
}

/**
 * `--env NAME` takes the value from the runner's environment; `--env NAME=VALUE` sets it.
 *
 * @throws {UsageError} For a name that is not a variable's, a Tollgate credential's, or unset.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passedEnv } from "./_sandbox_flags.ts";
 * assert.deepEqual(passedEnv(["A", "B=2"], { A: "1" }), { A: "1", B: "2" });
 * ```
 */
export function passedEnv(
  entries: string[],
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf("=");
    const name = at < 0 ? entry : entry.slice(0, at);
    const problem = checkPassedEnv(name);
    if (problem !== undefined) throw new UsageError(`Invalid --env: ${problem}`);
    const value = at < 0 ? env[name] : entry.slice(at + 1);
    if (value === undefined) throw new UsageError(`Invalid --env: "${name}" is not set here`);
    out[name] = value;
  }
  return out;
}
