/**
 * Run a script in a fresh Deno with the proxy's V8 flags and read the JSON it prints, for
 * tests of what the proxy's heap settings do (memory held by relays, the young generation).
 *
 * @module
 */

import assert from "node:assert/strict";
import { PROXY_V8_FLAGS } from "../../proxy/mod.ts";

/**
 * `deno eval` `script` under `PROXY_V8_FLAGS` from the project root (so its bare imports
 * resolve), assert it succeeded, and parse the last line it printed as JSON.
 *
 * @param script Module source; it must print one JSON line last.
 * @returns The parsed JSON and what the script wrote to stderr.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evalWithProxyFlags } from "./eval_with_proxy_flags.ts";
 * const { json, stderr } = await evalWithProxyFlags(
 *   "console.log(JSON.stringify({ gc: typeof globalThis.gc }));",
 * );
 * assert.deepEqual(json, { gc: "function" }); // --expose-gc is one of the flags
 * assert.equal(stderr, "");
 * ```
 */
export async function evalWithProxyFlags(
  script: string,
): Promise<{ json: Record<string, unknown>; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", `--v8-flags=${PROXY_V8_FLAGS}`, script],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, stderr);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return { json: JSON.parse(lines.at(-1)!), stderr };
}
