/**
 * The skip of the tests that need another runtime (PHP, Ruby's Rack, Flask, Go, Express): when
 * it cannot run here they are ignored, with one line on stderr saying why and what to install.
 *
 * @module
 */

import { basename } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Whether to ignore the tests of the file at `testUrl` (its `import.meta.url`): `missing` is
 * why what they need cannot run here, undefined when it can. When it cannot, say so on stderr
 * as `FILE: SKIPPED, WHY (INSTALL)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { skipWhenMissing } from "./mod.ts";
 *
 * assert.equal(await skipWhenMissing(import.meta.url, Promise.resolve(undefined)), false);
 * ```
 */
export async function skipWhenMissing(
  testUrl: string,
  missing: Promise<string | undefined>,
  install?: string,
): Promise<boolean> {
  const why = await missing;
  if (why === undefined) return false;
  const file = basename(fileURLToPath(testUrl), ".ts");
  console.warn(`${file}: SKIPPED, ${why}${install === undefined ? "" : ` (${install})`}`);
  return true;
}
