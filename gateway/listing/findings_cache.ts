/**
 * Findings recomputed by a listing, kept for the next one: after an approval moves a policy,
 * every pending proposal of it has findings on an older text than its seal's, and the first
 * listing recomputes them; this file spares the next listings that work. One file beside the
 * seals (never a seal: a listing never rewrites what submit and approval write), entries
 * valid only for the policy and ceiling texts whose basis they name, stale ones ignored; a
 * `.gitignore` beside it keeps it out of Git (a remote-backed store commits the directory).
 *
 * @module
 */

import type { Finding } from "../../proxy/policy_local/mod.ts";

/** The cached findings: per policy the basis they were computed on, per proposal the list. */
export interface FindingsCache {
  /** `findingsBasis()` of each policy's texts the findings below were computed on. */
  bases: Record<string, string>;
  /** Findings by proposal id (without a listing's patch note). */
  findings: Record<string, Finding[]>;
}

/**
 * Path of the findings cache of a policies directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findingsCachePath } from "./findings_cache.ts";
 * assert.equal(findingsCachePath("/p"), "/p/pending/.index/.findings-cache.json");
 * ```
 */
export function findingsCachePath(dir: string): string {
  return `${dir}/pending/.index/.findings-cache.json`;
}

/**
 * Read the findings cache; an empty one when there is none or it is unreadable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFindingsCache } from "./findings_cache.ts";
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual(await readFindingsCache(dir), { bases: {}, findings: {} });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readFindingsCache(dir: string): Promise<FindingsCache> {
  try {
    const cache = JSON.parse(await Deno.readTextFile(findingsCachePath(dir)));
    if (isRecord(cache?.bases) && isRecord(cache?.findings)) return cache as FindingsCache;
  } catch {
    // None yet, or torn by hand: the listing recomputes.
  }
  return { bases: {}, findings: {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
