/**
 * Checks of the flags only the commands that run a proxy take; apart from `_flags.ts`, since
 * they need the proxy's own parsers (which the other commands need not load).
 *
 * @module
 */

import { UsageError } from "./context.ts";
import { parseResolveOverride } from "../proxy/mod.ts";

/**
 * Check `--resolve` entries before anything starts, so a typo is a usage error (exit 2).
 *
 * @throws {UsageError} Naming the first malformed entry.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkResolve } from "./_proxy_flags.ts";
 * assert.equal(checkResolve(["api.test:443:127.0.0.1"]).length, 1);
 * ```
 */
export function checkResolve(entries: string[]): string[] {
  for (const entry of entries) {
    try {
      parseResolveOverride(entry);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return entries;
}
