/**
 * What `sandbox run` fences of the policy repositories on this machine: its own, and every
 * linked gateway's, with a warning for each gateway whose files could not be learned.
 *
 * @module
 */

import { type GatewayFence, localFence, sandboxFence } from "../gateway/client/mod.ts";

/** The paths a sandbox gets read-only, and the files and folders it sees empty. */
export interface RunFence {
  readOnly: string[];
  hideFiles: string[];
  hideDirs: string[];
}

/**
 * The local policy repository's fence and the part of each linked gateway's that is here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fenceOf } from "./_sandbox_fence.ts";
 * const dir = await Deno.makeTempDir();
 * const fence = await fenceOf(dir, []);
 * assert.deepEqual(fence.readOnly, [dir]);
 * assert.deepEqual(fence.hideDirs, [dir]);
 * await Deno.remove(dir);
 * ```
 */
export async function fenceOf(
  policiesDir: string,
  gateways: readonly GatewayFence[],
): Promise<RunFence> {
  const own = await sandboxFence(policiesDir);
  const linked = await Promise.all(gateways.map(localFence));
  const all = (key: keyof RunFence) => linked.flatMap((l) => l[key]);
  return {
    readOnly: [...new Set([...own.readOnly, ...all("readOnly")])],
    hideFiles: [...new Set([...own.hideFiles, ...all("hideFiles")])],
    hideDirs: [...new Set([...own.hideDirs, ...all("hideDirs")])],
  };
}

/**
 * The warning line for a linked gateway that did not answer at start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unfencedWarning } from "./_sandbox_fence.ts";
 * assert.match(unfencedWarning("http://127.0.0.1:9"), /^warning: gateway http:\/\/127\.0\.0\.1:9 /);
 * ```
 */
export function unfencedWarning(url: string): string {
  return `warning: gateway ${url} did not answer at start: its repository and state, if on ` +
    `this machine, are not fenced from the sandbox\n`;
}
